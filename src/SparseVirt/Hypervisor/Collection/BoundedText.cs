namespace SparseVirt.Hypervisor.Collection;

/// <summary>Reads small system text files (procfs, sysfs, /etc) without ever reading an unbounded amount.</summary>
internal static class BoundedText
{
    /// <summary>Enough for /etc/group or /proc/self/mountinfo on large hosts; more is ignored rather than read.</summary>
    public const int MaxFileChars = 4 * 1024 * 1024;

    /// <summary>The file's text (at most <see cref="MaxFileChars"/>), or null when it is missing or unreadable.</summary>
    public static string? ReadOrNull(string path, int maxChars = MaxFileChars)
    {
        try
        {
            using var reader = new StreamReader(path);
            char[] buffer = new char[Math.Min(maxChars, 64 * 1024)];
            var text = new System.Text.StringBuilder();
            int read;
            while (text.Length < maxChars && (read = reader.Read(buffer, 0, Math.Min(buffer.Length, maxChars - text.Length))) > 0)
            {
                text.Append(buffer, 0, read);
            }
            return text.ToString();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>The file's first line, trimmed, or null when it is missing or unreadable.</summary>
    public static string? ReadLineOrNull(string path)
    {
        // Bounded like the rest: a path pointing at something endless without a line feed (/dev/zero) must not hang the check.
        const int MaxLineChars = 4096;
        if (ReadOrNull(path, MaxLineChars) is not { } text)
        {
            return null;
        }
        int end = text.IndexOf('\n', StringComparison.Ordinal);
        return (end < 0 ? text : text[..end]).Trim();
    }

    /// <summary>Lines of the file, lazily, stopping after <see cref="MaxFileChars"/>; empty when unreadable.</summary>
    public static IEnumerable<string> ReadLines(string path)
    {
        StreamReader reader;
        try
        {
            reader = new StreamReader(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            yield break;
        }
        using (reader)
        {
            long consumed = 0;
            while (consumed < MaxFileChars)
            {
                string? line;
                try
                {
                    line = reader.ReadLine();
                }
                catch (IOException)
                {
                    yield break;
                }
                if (line is null)
                {
                    yield break;
                }
                consumed += line.Length + 1;
                yield return line;
            }
        }
    }
}
