using System.Buffers;
using System.Text;
using SparseVirt.Qemu.Framing;
using SparseVirt.Qemu.Waiting;

namespace SparseVirt.Tests.Qemu;

/// <summary>The one line framer and the one pending-match primitive every Qemu channel shares.</summary>
[TestFixture]
public sealed class LineFramingTests
{
    private static List<(string Line, bool IsPiece)> Frame(string text, int maxLineBytes, out string rest)
    {
        var reader = new SequenceReader<byte>(new ReadOnlySequence<byte>(Encoding.ASCII.GetBytes(text)));
        var lines = new List<(string, bool)>();
        while (BoundedLineFramer.TryReadLine(ref reader, maxLineBytes, out ReadOnlySequence<byte> line, out bool isPiece))
        {
            lines.Add((Encoding.ASCII.GetString(line), isPiece));
        }
        rest = Encoding.ASCII.GetString(reader.UnreadSequence);
        return lines;
    }

    [Test]
    public void Lines_end_at_a_line_feed_and_an_unfinished_one_is_left_for_more_bytes()
    {
        List<(string Line, bool IsPiece)> lines = Frame("one\r\ntwo\n\nthr", 16, out string rest);
        Assert.That(lines, Is.EqualTo(new[] { ("one\r", false), ("two", false), ("", false) }));
        Assert.That(rest, Is.EqualTo("thr"));
    }

    [Test]
    public void A_line_longer_than_the_limit_comes_in_pieces_even_when_its_line_feed_is_already_there()
    {
        List<(string Line, bool IsPiece)> lines = Frame("abcdefghij\nxy\n", 4, out string rest);
        Assert.That(lines, Is.EqualTo(new[] { ("abcd", true), ("efgh", true), ("ij", false), ("xy", false) }));
        Assert.That(rest, Is.Empty);
    }

    [Test]
    public void A_line_of_exactly_the_limit_is_whole_and_one_byte_more_without_line_feed_is_a_piece()
    {
        Assert.That(Frame("abcd\n", 4, out _), Is.EqualTo(new[] { ("abcd", false) }));
        Assert.That(Frame("abcd", 4, out string waiting), Is.Empty, "the line feed may still come");
        Assert.That(waiting, Is.EqualTo("abcd"));
        Assert.That(Frame("abcde", 4, out _), Is.EqualTo(new[] { ("abcd", true) }));
    }

    [Test]
    public async Task A_wait_from_a_sequence_number_sees_items_delivered_before_it_registered()
    {
        var matches = new PendingMatches<string>(historyCapacity: 8);
        long mark = matches.NextSequence;
        matches.Deliver("early");
        Assert.That(await matches.WaitAsync(s => s == "early", mark, TimeSpan.FromSeconds(5), "timeout", CancellationToken.None), Is.EqualTo("early"));
        Task<string> fresh = matches.WaitAsync(s => s == "early", long.MaxValue, TimeSpan.FromSeconds(5), "timeout", CancellationToken.None);
        Assert.That(fresh.IsCompleted, Is.False, "a wait from now on ignores what came before");
        matches.FailAll(() => new EndOfStreamException("ended"));
        await Assert.ThrowsAsync<EndOfStreamException>(() => fresh);
        await Assert.ThrowsAsync<EndOfStreamException>(() => matches.WaitAsync(_ => false, 0, TimeSpan.FromSeconds(5), "timeout", CancellationToken.None));
    }

    [Test]
    public async Task A_wait_that_times_out_says_so_with_the_given_message()
    {
        var matches = new PendingMatches<int>(historyCapacity: 0);
        var error = await Assert.ThrowsAsync<TimeoutException>(() => matches.WaitAsync(_ => true, 0, TimeSpan.FromMilliseconds(50), "nothing came", CancellationToken.None));
        Assert.That(error!.Message, Is.EqualTo("nothing came"));
    }
}
