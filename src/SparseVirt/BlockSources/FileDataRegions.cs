using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;
using SparseVirt.Interop;

namespace SparseVirt.BlockSources;

/// <summary>
/// Finds where a file holds data and where it has holes, with <c>lseek(SEEK_DATA / SEEK_HOLE)</c>, so holes can
/// be skipped without reading them. Where the platform or file system cannot tell, the whole file counts as data
/// (reading a hole gives zeros, so that is always correct, only slower).
/// </summary>
internal sealed class FileDataRegions
{
    private readonly SafeFileHandle _handle;
    private readonly long _end;
    private bool _unsupported;

    /// <param name="handle">The file, opened for reading.</param>
    /// <param name="end">The offset where the part of interest ends (usually the file's length).</param>
    public FileDataRegions(SafeFileHandle handle, long end)
    {
        _handle = handle;
        _end = end;
        _unsupported = !OperatingSystem.IsLinux() && !OperatingSystem.IsFreeBSD() && !OperatingSystem.IsMacOS();
    }

    /// <summary>
    /// Describes the region that starts at <paramref name="offset"/>: whether it holds data, and where it ends
    /// (the start of the next region of the other kind, or the end).
    /// </summary>
    public (bool IsData, long End) RegionAt(long offset)
    {
        if (offset >= _end)
        {
            return (false, _end);
        }
        if (_unsupported)
        {
            return (true, _end);
        }

        long data = Seek(offset, Libc.SeekData);
        if (data < 0)
        {
            // Past the last data: the rest is a hole (or the file changed; reading would tell).
            return _unsupported ? (true, _end) : (false, _end);
        }
        if (data > offset)
        {
            return (false, Math.Min(data, _end));
        }

        long hole = Seek(offset, Libc.SeekHole);
        return (true, hole < 0 ? _end : Math.Min(hole, _end));
    }

    private long Seek(long offset, int whence)
    {
        long result = Libc.LSeek(_handle, offset, whence);
        if (result >= 0)
        {
            return result;
        }

        int errno = Marshal.GetLastPInvokeError();
        if (errno != Errno.ENXIO)
        {
            // EINVAL (no SEEK_DATA support) or anything unexpected: stop asking, treat everything as data.
            _unsupported = true;
        }
        return -1;
    }
}
