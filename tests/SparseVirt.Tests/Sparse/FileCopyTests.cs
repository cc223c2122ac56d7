using Microsoft.Win32.SafeHandles;
using SparseVirt.Sparse.IO;
using SparseVirt.Tests.Infrastructure;

namespace SparseVirt.Tests.Sparse;

/// <summary>
/// The file-to-file copy under expansion and splitting: copy_file_range for ranges aligned within a page, a write
/// from a mapping of the source for long misaligned ones (sparse payloads sit 12 bytes after their headers).
/// </summary>
public class FileCopyTests
{
    private const int SourceLength = 40 * 1024 * 1024 + 123;

    [TestCase(40L, 0L, 20 * 1024 * 1024)]           // misaligned, over one mapping window
    [TestCase(4096L + 12, 8192L, 17 * 1024 * 1024 + 5)] // misaligned, odd length
    [TestCase(4096L, 1048576L, 3 * 1024 * 1024)]    // aligned: the kernel's copy
    [TestCase(40L, 0L, 4096)]                       // misaligned but short: the kernel's copy
    public void Copies_the_range_byte_for_byte(long sourceOffset, long destinationOffset, int length)
    {
        using var folder = new TempDirectory();
        byte[] content = Pattern(SourceLength);
        File.WriteAllBytes(folder.Combine("in"), content);

        long copied;
        using (SafeFileHandle source = File.OpenHandle(folder.Combine("in")))
        using (SafeFileHandle destination = File.OpenHandle(folder.Combine("out"), FileMode.CreateNew, FileAccess.ReadWrite))
        {
            copied = KernelFileCopy.Copy(source, sourceOffset, destination, destinationOffset, length, CancellationToken.None);
        }

        byte[] output = File.ReadAllBytes(folder.Combine("out"));
        Assert.Multiple(() =>
        {
            Assert.That(copied, Is.EqualTo(length));
            Assert.That(output, Has.Length.EqualTo(destinationOffset + length));
            Assert.That(output.AsSpan((int)destinationOffset).SequenceEqual(content.AsSpan((int)sourceOffset, length)), Is.True, "copied bytes differ");
        });
    }

    [Test]
    public void A_range_past_the_end_of_the_source_is_not_mapped_and_copies_only_what_exists()
    {
        using var folder = new TempDirectory();
        File.WriteAllBytes(folder.Combine("in"), Pattern(3 * 1024 * 1024));

        using SafeFileHandle source = File.OpenHandle(folder.Combine("in"));
        using SafeFileHandle destination = File.OpenHandle(folder.Combine("out"), FileMode.CreateNew, FileAccess.ReadWrite);
        long mapped = MappedFileCopy.Copy(source, 40, destination, 0, 4 * 1024 * 1024, CancellationToken.None);
        long copied = KernelFileCopy.Copy(source, 40, destination, 0, 4 * 1024 * 1024, CancellationToken.None);

        Assert.Multiple(() =>
        {
            Assert.That(mapped, Is.Zero, "a mapping past the source's end would fault");
            Assert.That(copied, Is.EqualTo(3 * 1024 * 1024 - 40), "the kernel's copy stops at the source's end");
        });
    }

    [Test]
    public void A_cancelled_copy_throws()
    {
        using var folder = new TempDirectory();
        File.WriteAllBytes(folder.Combine("in"), Pattern(2 * 1024 * 1024));
        using SafeFileHandle source = File.OpenHandle(folder.Combine("in"));
        using SafeFileHandle destination = File.OpenHandle(folder.Combine("out"), FileMode.CreateNew, FileAccess.ReadWrite);

        Assert.That(() => MappedFileCopy.Copy(source, 40, destination, 0, 1024 * 1024, new CancellationToken(canceled: true)),
            Throws.InstanceOf<OperationCanceledException>());
    }

    private static byte[] Pattern(int length)
    {
        var bytes = new byte[length];
        new Random(length).NextBytes(bytes);
        return bytes;
    }
}
