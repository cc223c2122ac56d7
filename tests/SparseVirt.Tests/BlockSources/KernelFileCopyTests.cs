using Microsoft.Win32.SafeHandles;
using SparseVirt.BlockSources;
using SparseVirt.Tests.Infrastructure;

namespace SparseVirt.Tests.BlockSources;

/// <summary>
/// The kernel copy moves exactly the bytes asked for, whichever way it takes: copy_file_range for short or
/// page-aligned ranges, splice through a pipe in page-aligned rounds for long misaligned ones.
/// </summary>
public class KernelFileCopyTests
{
    private const int Source = 3 * 1024 * 1024 + 777;

    // (source offset, destination offset, length): aligned, both misaligned (a sparse payload 12 bytes after its
    // header into an aligned output, and the reverse), below and above the splice threshold, one to many rounds.
    [TestCase(0, 0, 2 * 1024 * 1024)]
    [TestCase(40, 0, 300 * 1024)]
    [TestCase(40, 0, 2 * 1024 * 1024 + 4096)]
    [TestCase(4096 + 12, 8192, 1024 * 1024 + 5)]
    [TestCase(8192, 28 + 12, 2 * 1024 * 1024 + 333)]
    [TestCase(1, 4095, 3 * 1024 * 1024)]
    [TestCase(100, 50, 1000)]
    public void Copies_exactly_the_range_asked_for(int sourceOffset, int destinationOffset, int length)
    {
        RequireLinux();
        byte[] before = new byte[destinationOffset + length + 5000];
        before.AsSpan().Fill(0xA5);

        (byte[] source, byte[] after, long copied) = CopyBetweenFiles(length, before, sourceOffset, destinationOffset, length);

        Assert.Multiple(() =>
        {
            Assert.That(copied, Is.EqualTo(length));
            Assert.That(after.Length, Is.EqualTo(before.Length));
            Assert.That(after.AsSpan(destinationOffset, length).SequenceEqual(source.AsSpan(sourceOffset, length)), Is.True, "the range copied");
            Assert.That(after.AsSpan(0, destinationOffset).SequenceEqual(before.AsSpan(0, destinationOffset)), Is.True, "bytes before it untouched");
            Assert.That(after.AsSpan(destinationOffset + length).SequenceEqual(before.AsSpan(destinationOffset + length)), Is.True, "bytes after it untouched");
        });
    }

    // The misaligned cases above, through the splice path alone: it must move every byte itself, so a pipe or splice
    // that silently failed (and left the work to copy_file_range) shows here.
    [TestCase(40, 0, 300 * 1024)]
    [TestCase(4096 + 12, 8192, 1024 * 1024 + 5)]
    [TestCase(8192, 28 + 12, 2 * 1024 * 1024 + 333)]
    [TestCase(1, 4095, 3 * 1024 * 1024)]
    public void The_splice_path_copies_misaligned_ranges_by_itself(int sourceOffset, int destinationOffset, int length)
    {
        RequireLinux();
        byte[] before = new byte[destinationOffset + length + 100];

        (byte[] source, byte[] after, long copied) = CopyBetweenFiles(length, before, sourceOffset, destinationOffset, length, spliceOnly: true);

        Assert.That(copied, Is.EqualTo(length), "bytes moved by splice");
        Assert.That(after.AsSpan(destinationOffset, length).SequenceEqual(source.AsSpan(sourceOffset, length)), Is.True);
    }

    [Test]
    public void Local_files_are_spliced_and_not_left_to_a_server_side_copy()
    {
        RequireLinux();
        using var dir = new TempDirectory();
        File.WriteAllBytes(dir.Combine("local"), [1]);
        using SafeFileHandle local = File.OpenHandle(dir.Combine("local"));

        // fstatfs read the temporary folder's file system (ext4, tmpfs ...): not one that copies on a server.
        Assert.That(KernelFileCopy.MayCopyRemotely(local), Is.False);
    }

    [TestCase(40, 0)]
    [TestCase(0, 0)]
    public void A_source_that_ends_early_is_copied_up_to_its_end_and_the_count_says_so(int sourceOffset, int destinationOffset)
    {
        RequireLinux();
        (byte[] source, byte[] after, long copied) = CopyBetweenFiles(3, [], sourceOffset, destinationOffset, Source);

        Assert.That(copied, Is.EqualTo(Source - sourceOffset));
        Assert.That(after.AsSpan(destinationOffset).SequenceEqual(source.AsSpan(sourceOffset)), Is.True);
    }

    [Test]
    public void A_cancelled_copy_stops_with_the_token()
    {
        RequireLinux();
        Assert.Throws<OperationCanceledException>(() => CopyBetweenFiles(4, [], 40, 0, 2 * 1024 * 1024, new CancellationToken(canceled: true)));
    }

    private static void RequireLinux()
    {
        if (!OperatingSystem.IsLinux())
        {
            Assert.Ignore("The kernel copy exists on Linux only.");
        }
    }

    // Writes a random source of Source bytes and the output's starting bytes to files, copies between them (the
    // whole kernel copy, or its splice path alone), and returns the source, the output afterwards, and the count the
    // copy returned.
    private static (byte[] Source, byte[] Output, long Copied) CopyBetweenFiles(int seed, byte[] output, int sourceOffset, int destinationOffset, long length, CancellationToken cancellationToken = default, bool spliceOnly = false)
    {
        using var dir = new TempDirectory();
        byte[] source = new byte[Source];
        new Random(seed).NextBytes(source);
        File.WriteAllBytes(dir.Combine("in"), source);
        File.WriteAllBytes(dir.Combine("out"), output);

        long copied;
        using (SafeFileHandle input = File.OpenHandle(dir.Combine("in")))
        using (SafeFileHandle destination = File.OpenHandle(dir.Combine("out"), FileMode.Open, FileAccess.ReadWrite))
        {
            using var copy = new KernelFileCopy(destination);
            copied = spliceOnly
                ? copy.SpliceAligned(input, sourceOffset, destinationOffset, length, cancellationToken)
                : copy.CopyRange(input, sourceOffset, destinationOffset, length, cancellationToken);
        }
        return (source, File.ReadAllBytes(dir.Combine("out")), copied);
    }
}
