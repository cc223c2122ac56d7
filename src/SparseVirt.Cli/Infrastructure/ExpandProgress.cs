using SparseVirt.Sparse;

namespace SparseVirt.Cli.Infrastructure;

/// <summary>
/// Shows the library's expansion progress as a progress bar on a terminal. The bar appears with the first report,
/// which carries the total (a piped image's size is known only once its header has been read).
/// </summary>
internal sealed class ExpandProgress : IProgress<SparseExpandProgress>, IDisposable
{
    private readonly CliConsole _console;
    private readonly string _label;
    private IProgressBar? _bar;

    private ExpandProgress(CliConsole console, string label)
    {
        _console = console;
        _label = label;
    }

    /// <summary>A progress sink when standard error is a terminal; null otherwise, so the library skips reporting.</summary>
    public static ExpandProgress? ForTerminal(CliConsole console, string label) =>
        console.IsErrorInteractive ? new ExpandProgress(console, label) : null;

    public void Report(SparseExpandProgress value)
    {
        _bar ??= TerminalProgressBar.Create(_console, _label, value.TotalBytes);
        _bar.SetTotal(value.TotalBytes);
        _bar.Report(value.BytesExpanded);
    }

    public void Dispose() => _bar?.Dispose();
}
