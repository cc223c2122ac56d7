using Microsoft.Win32.SafeHandles;
using SparseVirt.BlockSources;

namespace SparseVirt.Tests.BlockSources;

/// <summary>
/// The page-cache read (preadv2 with RWF_NOWAIT) that lets the NBD server answer cached reads without a thread hop:
/// what it returns is the file's bytes, it stops at the end of the file, and the positional read built on it fills
/// the whole destination with the same bytes as a plain read.
/// </summary>
public class PageCacheReadTests
{
    private const int FileBytes = 3 * 1024 * 1024 + 123;

    [Test]
    public void A_file_just_written_is_read_from_the_cache_byte_for_byte()
    {
        RequireLinux();
        (string path, byte[] content) = WriteFile();
        try
        {
            using SafeFileHandle file = File.OpenHandle(path);
            byte[] destination = new byte[256 * 1024];

            int read = PageCacheRead.Read(file, destination, 4096 + 7);

            Assert.That(read, Is.EqualTo(destination.Length), "a file just written is in the page cache");
            Assert.That(destination.AsSpan().SequenceEqual(content.AsSpan(4096 + 7, destination.Length)), Is.True);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Test]
    public void A_read_past_the_end_stops_at_the_end()
    {
        RequireLinux();
        (string path, byte[] content) = WriteFile();
        try
        {
            using SafeFileHandle file = File.OpenHandle(path);
            byte[] destination = new byte[8192];

            int read = PageCacheRead.Read(file, destination, FileBytes - 100);

            Assert.That(read, Is.EqualTo(100));
            Assert.That(destination.AsSpan(0, 100).SequenceEqual(content.AsSpan(FileBytes - 100)), Is.True);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [TestCase(0, FileBytes)]
    [TestCase(1, 1024 * 1024)]
    [TestCase(FileBytes - 5000, 5000)]
    public async Task The_positional_read_fills_the_same_bytes_asynchronously_and_synchronously(int offset, int length)
    {
        (string path, byte[] content) = WriteFile();
        try
        {
            using SafeFileHandle file = File.OpenHandle(path);
            byte[] viaAsync = new byte[length], viaSync = new byte[length];

            int filledAsync = await PositionalRead.FillCoreAsync(file, viaAsync, offset, async: true, CancellationToken.None);
            int filledSync = await PositionalRead.FillCoreAsync(file, viaSync, offset, async: false, CancellationToken.None);

            Assert.That((filledAsync, filledSync), Is.EqualTo((length, length)));
            Assert.That(viaAsync.AsSpan().SequenceEqual(content.AsSpan(offset, length)), Is.True);
            Assert.That(viaSync.AsSpan().SequenceEqual(viaAsync), Is.True);
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static (string Path, byte[] Content) WriteFile()
    {
        byte[] content = new byte[FileBytes];
        new Random(24).NextBytes(content);
        string path = Path.Combine(Path.GetTempPath(), $"sparsevirt-pagecache-{Guid.NewGuid():N}.bin");
        File.WriteAllBytes(path, content);
        return (path, content);
    }

    private static void RequireLinux()
    {
        if (!OperatingSystem.IsLinux())
        {
            Assert.Ignore("preadv2 with RWF_NOWAIT is Linux's; elsewhere the page-cache read returns nothing and the ordinary read does the work.");
        }
    }
}
