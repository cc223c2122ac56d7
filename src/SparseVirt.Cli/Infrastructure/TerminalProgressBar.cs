using System.Diagnostics;
using System.Globalization;

namespace SparseVirt.Cli.Infrastructure;

/// <summary>
/// A one-line progress bar (bytes, rate, time left) on standard error, drawn only when standard error is a terminal
/// so logs and pipes stay clean. Redraws at most ten times a second, whatever the reporting rate.
/// </summary>
internal sealed class TerminalProgressBar : IProgress<long>, IDisposable
{
    private const int BarWidth = 24;
    private const double MaxEtaSeconds = 99 * 3600;
    private static readonly long s_redrawInterval = Stopwatch.Frequency / 10;

    private readonly TextWriter _error;
    private readonly string _label;
    private long _total;
    private readonly long _started = Stopwatch.GetTimestamp();
    private readonly Lock _gate = new();
    private long _lastDrawn;
    private long _done;
    private bool _drawnOnce;
    private bool _disposed;

    private TerminalProgressBar(TextWriter error, string label, long total)
    {
        _error = error;
        _label = label;
        _total = total;
    }

    /// <summary>A bar when standard error is a terminal, otherwise a sink that draws nothing.</summary>
    public static IProgressBar Create(CliConsole console, string label, long totalBytes) =>
        console.IsErrorInteractive ? new Adapter(new TerminalProgressBar(console.Error, label, totalBytes)) : SilentProgress.Instance;

    /// <summary>Changes the number of bytes the operation will process (known only once it has started, for some).</summary>
    public void SetTotal(long totalBytes)
    {
        lock (_gate)
        {
            _total = totalBytes;
        }
    }

    /// <summary>Reports the number of bytes done so far.</summary>
    public void Report(long value)
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }
            _done = value;
            long now = Stopwatch.GetTimestamp();
            if (now - _lastDrawn >= s_redrawInterval || value >= _total)
            {
                _lastDrawn = now;
                Draw(now);
            }
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }
            _disposed = true;
            if (_drawnOnce)
            {
                Draw(Stopwatch.GetTimestamp());
                _error.WriteLine();
            }
        }
    }

    internal static string Render(string label, long done, long total, TimeSpan elapsed)
    {
        double fraction = total > 0 ? Math.Clamp((double)done / total, 0, 1) : 1;
        int filled = (int)Math.Round(fraction * BarWidth);
        double rate = elapsed.TotalSeconds > 0 ? done / elapsed.TotalSeconds : 0;
        // A first report of a few bytes gives an absurd estimate; past 99 hours (or TimeSpan's range) it says so instead.
        double secondsLeft = rate > 0 && done < total ? (total - done) / rate : double.NaN;
        string left = double.IsNaN(secondsLeft) ? "--:--" : secondsLeft < MaxEtaSeconds ? FormatDuration(TimeSpan.FromSeconds(secondsLeft)) : ">99h";
        return string.Create(CultureInfo.InvariantCulture,
            $"{label} [{new string('#', filled)}{new string('.', BarWidth - filled)}] {fraction * 100,3:0}% {FormatBytes(done)}/{FormatBytes(total)} {FormatBytes((long)rate)}/s {(done >= total ? "done " + FormatDuration(elapsed) : "ETA " + left)}");
    }

    internal static string FormatBytes(long bytes)
    {
        string[] units = ["B", "KiB", "MiB", "GiB", "TiB"];
        double value = bytes;
        int unit = 0;
        while (value >= 1024 && unit < units.Length - 1)
        {
            value /= 1024;
            unit++;
        }
        return unit == 0
            ? string.Create(CultureInfo.InvariantCulture, $"{bytes} B")
            : string.Create(CultureInfo.InvariantCulture, $"{value:0.0} {units[unit]}");
    }

    private static string FormatDuration(TimeSpan duration) =>
        duration.TotalHours >= 1
            ? string.Create(CultureInfo.InvariantCulture, $"{(int)duration.TotalHours}:{duration.Minutes:00}:{duration.Seconds:00}")
            : duration.ToString(@"m\:ss", CultureInfo.InvariantCulture);

    private void Draw(long now)
    {
        _drawnOnce = true;
        TimeSpan elapsed = Stopwatch.GetElapsedTime(_started, now);
        _error.Write("\r" + Render(_label, _done, _total, elapsed) + "\u001b[K");
        _error.Flush();
    }

    private sealed class Adapter(TerminalProgressBar bar) : IProgressBar
    {
        public void Report(long value) => bar.Report(value);

        public void SetTotal(long totalBytes) => bar.SetTotal(totalBytes);

        public void Dispose() => bar.Dispose();
    }
}

/// <summary>A progress sink for bytes done that is disposed when the operation ends.</summary>
internal interface IProgressBar : IProgress<long>, IDisposable
{
    /// <summary>Changes the number of bytes the operation will process.</summary>
    void SetTotal(long totalBytes);
}

/// <summary>Draws nothing: standard error is not a terminal.</summary>
internal sealed class SilentProgress : IProgressBar
{
    public static readonly SilentProgress Instance = new();

    public void Report(long value)
    {
    }

    public void SetTotal(long totalBytes)
    {
    }

    public void Dispose()
    {
    }
}
