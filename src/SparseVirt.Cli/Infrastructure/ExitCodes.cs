namespace SparseVirt.Cli;

/// <summary>The tool's exit codes, the same for every verb.</summary>
public static class ExitCodes
{
    /// <summary>The verb did what it was asked.</summary>
    public const int Success = 0;

    /// <summary>Bad input or a failure while working (the message says which and where).</summary>
    public const int Failure = 1;

    /// <summary>The command line itself is wrong: unknown verb or option, missing or invalid argument.</summary>
    public const int Usage = 2;

    /// <summary>Interrupted by Ctrl+C before the verb finished.</summary>
    public const int Canceled = 130;
}
