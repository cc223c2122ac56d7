using System.Globalization;
using System.Text.RegularExpressions;

namespace SparseVirt.Tests.FileSystems;

/// <summary>The fields of <c>debugfs -R 'stat PATH'</c> the tests compare: one record per <c>Inode:</c> block.</summary>
internal sealed partial record DebugfsStat(ulong Inode, int Mode, uint UserId, uint GroupId, long Size, uint Links, long ModifiedSeconds, long? ModifiedNanoseconds)
{
    public static IReadOnlyList<DebugfsStat> ParseAll(string output)
    {
        var stats = new List<DebugfsStat>();
        foreach (Match block in InodeBlock().Matches(output))
        {
            string text = block.Value;
            Match mtime = MTime().Match(text);
            long seconds;
            long? nanoseconds = null;
            if (mtime.Success)
            {
                seconds = (long)ulong.Parse(mtime.Groups[1].Value, NumberStyles.HexNumber, CultureInfo.InvariantCulture);
                if (mtime.Groups[2].Success)
                {
                    uint extra = uint.Parse(mtime.Groups[2].Value, NumberStyles.HexNumber, CultureInfo.InvariantCulture);
                    seconds += (long)(extra & 3) << 32;
                    nanoseconds = extra >> 2;
                }
            }
            else
            {
                seconds = long.MinValue;
            }
            stats.Add(new DebugfsStat(
                ulong.Parse(Field(text, @"Inode:\s+(\d+)"), CultureInfo.InvariantCulture),
                Convert.ToInt32(Field(text, @"Mode:\s+0?(\d+)"), 8),
                uint.Parse(Field(text, @"User:\s+(\d+)"), CultureInfo.InvariantCulture),
                uint.Parse(Field(text, @"Group:\s+(\d+)"), CultureInfo.InvariantCulture),
                long.Parse(Field(text, @"Size:\s+(\d+)"), CultureInfo.InvariantCulture),
                uint.Parse(Field(text, @"Links:\s+(\d+)"), CultureInfo.InvariantCulture),
                seconds,
                nanoseconds));
        }
        return stats;
    }

    private static string Field(string text, string pattern)
    {
        Match match = Regex.Match(text, pattern);
        Assert.That(match.Success, $"debugfs stat output lacks {pattern}: {text}");
        return match.Groups[1].Value;
    }

    [GeneratedRegex(@"Inode: \d+ .*?(?=Inode: \d+ |\z)", RegexOptions.Singleline)]
    private static partial Regex InodeBlock();

    [GeneratedRegex(@"mtime: 0x([0-9a-f]+)(?::([0-9a-f]+))?")]
    private static partial Regex MTime();
}
