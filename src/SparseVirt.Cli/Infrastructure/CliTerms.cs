namespace SparseVirt.Cli.Infrastructure;

/// <summary>
/// The library's errors speak the library's language: they name the API that goes on from a refusal
/// (<c>NbdExport.WithOverlayReset</c>, <c>QemuOverlayFiles.ResetAsync</c>). A command-line user needs the flag that
/// does the same, so the one place that prints a failure puts the flag in its stead.
/// (<c>super make</c>'s property names have their own mapping: <c>Cli/Layouts/SuperDefinitionFlags.cs</c>.)
/// </summary>
internal static class CliTerms
{
    private static readonly (string Api, string Flag)[] s_flags =
    [
        ("NbdExport.WithOverlayReset", "--reset-overlay"),
        ("QemuOverlayFiles.ResetAsync", "--reset-overlay"),
    ];

    /// <summary><paramref name="message"/> with each API name that a flag stands for replaced by that flag.</summary>
    public static string InFlags(string message)
    {
        foreach ((string api, string flag) in s_flags)
        {
            message = message.Replace(api, flag, StringComparison.Ordinal);
        }
        return message;
    }
}
