using System.CommandLine;

namespace SparseVirt.Cli.Infrastructure;

/// <summary>Options every verb understands.</summary>
internal static class GlobalOptions
{
    /// <summary><c>--verbose</c>: the library's logs go to standard error.</summary>
    public static readonly Option<bool> Verbose = new("--verbose", "-v")
    {
        Description = "Write the library's diagnostic logs to standard error.",
        Recursive = true,
    };
}
