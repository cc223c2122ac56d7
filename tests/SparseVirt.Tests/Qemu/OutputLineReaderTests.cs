using System.Text;
using SparseVirt.Qemu.Launch;

namespace SparseVirt.Tests.Qemu;

/// <summary>Draining QEMU's stdout and stderr: lines as written, and no unbounded string for output without line ends.</summary>
[TestFixture]
public sealed class OutputLineReaderTests
{
    [Test]
    public async Task Lines_come_out_without_their_line_ends_and_a_last_unfinished_line_is_kept()
    {
        var lines = new List<string>();
        await OutputLineReader.DrainAsync(new MemoryStream(Encoding.UTF8.GetBytes("first\r\nsecond\n\nlast without end")), lines.Add);
        Assert.That(lines, Is.EqualTo(new[] { "first", "second", "", "last without end" }));
    }

    [Test]
    public async Task Output_that_never_ends_a_line_is_handed_on_in_pieces_no_longer_than_the_limit()
    {
        string endless = new string('x', 100_000) + "\ntail";
        var lines = new List<string>();
        await OutputLineReader.DrainAsync(new MemoryStream(Encoding.UTF8.GetBytes(endless)), lines.Add, maxLineBytes: 1000);
        Assert.Multiple(() =>
        {
            Assert.That(lines.Max(l => l.Length), Is.EqualTo(1000));
            Assert.That(string.Concat(lines.Take(lines.Count - 1)), Is.EqualTo(new string('x', 100_000)), "nothing is lost");
            Assert.That(lines[^1], Is.EqualTo("tail"));
        });
    }
}
