using System.Text;

namespace SparseVirt.Qemu.Launch;

/// <summary>
/// Reads QEMU's stdout or stderr to its end, line by line, so QEMU never blocks on a full pipe. A line longer than the
/// limit is handed on in pieces: output that never ends a line (a guest console wired to stdio through extra
/// arguments, say) must not grow one string without bound.
/// </summary>
internal static class OutputLineReader
{
    public const int DefaultMaxLineChars = 16 * 1024;

    public static async Task DrainAsync(TextReader reader, Action<string> onLine, int maxLineChars = DefaultMaxLineChars)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxLineChars, 1);
        char[] buffer = new char[4096];
        var line = new StringBuilder();
        try
        {
            int read;
            while ((read = await reader.ReadAsync(buffer).ConfigureAwait(false)) > 0)
            {
                foreach (char c in buffer.AsSpan(0, read))
                {
                    if (c == '\n')
                    {
                        Emit(line, onLine);
                        continue;
                    }
                    if (line.Length == maxLineChars)
                    {
                        Emit(line, onLine);
                    }
                    line.Append(c);
                }
            }
        }
        catch (IOException)
        {
            // The pipe broke because the process is gone; nothing more to read.
        }
        catch (ObjectDisposedException)
        {
        }
        if (line.Length > 0)
        {
            Emit(line, onLine);
        }
    }

    private static void Emit(StringBuilder line, Action<string> onLine)
    {
        int length = line.Length > 0 && line[^1] == '\r' ? line.Length - 1 : line.Length;
        onLine(line.ToString(0, length));
        line.Clear();
    }
}
