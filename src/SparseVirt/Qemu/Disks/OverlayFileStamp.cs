using System.IO.Hashing;
using SparseVirt.Interop;

namespace SparseVirt.Qemu.Disks;

/// <summary>
/// What identifies a file's content without reading it: the file system device, inode, size, and modification and
/// change times in nanoseconds. Equal stamps mean an untouched file, so its recorded content hash still holds; a
/// different stamp (a <c>touch</c>, a copy, a restore) means the content is hashed again and compared, never assumed
/// changed. Off Linux the stamp is the size and modification time, which only ever causes an extra hash.
/// </summary>
internal sealed record OverlayFileStamp(ulong Device, ulong Inode, long Size, long ModifiedNanoseconds, long ChangedNanoseconds)
{
    private const int HashBufferSize = 1 << 20;

    public static OverlayFileStamp Of(string path)
    {
        if (OperatingSystem.IsLinux())
        {
            if (Libc.Statx(Libc.AtCurrentWorkingDirectory, path, 0, Libc.StatxBasicStats, out StatxBuffer status) != 0)
            {
                throw Errno.LastErrorToException("Cannot read the status of", path);
            }
            return new OverlayFileStamp(
                ((ulong)status.FileSystemDeviceMajor << 32) | status.FileSystemDeviceMinor,
                status.Inode,
                (long)status.Size,
                (status.ModifySeconds * 1_000_000_000) + status.ModifyNanoseconds,
                (status.ChangeSeconds * 1_000_000_000) + status.ChangeNanoseconds);
        }
        var file = new FileInfo(path);
        return new OverlayFileStamp(0, 0, file.Length, file.LastWriteTimeUtc.Ticks * 100, 0);
    }

    /// <summary>The storage a file takes, in bytes (allocated blocks; its length where that cannot be read).</summary>
    public static long AllocatedBytes(string path) =>
        OperatingSystem.IsLinux() && Libc.Statx(Libc.AtCurrentWorkingDirectory, path, 0, Libc.StatxBlocks, out StatxBuffer status) == 0
            ? (long)status.Blocks * 512
            : new FileInfo(path).Length;

    /// <summary>XxHash128 of the whole file, every byte (no sampling), as 32 hex digits.</summary>
    public static async Task<string> HashContentAsync(string path, CancellationToken cancellationToken)
    {
        var hash = new XxHash128();
        byte[] buffer = new byte[HashBufferSize];
        var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, bufferSize: 1, FileOptions.Asynchronous | FileOptions.SequentialScan);
        await using (stream.ConfigureAwait(false))
        {
            int read;
            while ((read = await stream.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
            {
                hash.Append(buffer.AsSpan(0, read));
            }
        }
        return Convert.ToHexStringLower(hash.GetCurrentHash());
    }
}
