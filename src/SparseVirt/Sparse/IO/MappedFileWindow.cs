using System.Buffers;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;
using SparseVirt.Interop;

namespace SparseVirt.Sparse.IO;

/// <summary>
/// A read-only view of a range of a file, mapped and faulted in at once (MAP_POPULATE), handed out as memory so the
/// file's bytes can be classified and written without first being copied into a buffer. Its owner disposes it
/// (unmapping it) once nothing reads it any more; the memory must never be written (the mapping is read-only).
/// </summary>
/// <remarks>
/// A mapping reads the page cache directly. A file that shrinks under a mapping faults the reader, so a window is
/// only made over bytes the file held when it was asked for, and callers map files they read whole and expect
/// unchanged (a conversion's input), as the rest of the conversion does.
/// </remarks>
internal sealed unsafe class MappedFileWindow : MemoryManager<byte>
{
    private nint _address;
    private readonly nuint _mappedLength;
    private readonly int _lead;
    private readonly int _length;

    private MappedFileWindow(nint address, nuint mappedLength, int lead, int length)
    {
        _address = address;
        _mappedLength = mappedLength;
        _lead = lead;
        _length = length;
    }

    /// <summary>The bytes mapped.</summary>
    public int Length => _length;

    /// <summary>
    /// Maps <paramref name="length"/> bytes of <paramref name="file"/> from <paramref name="offset"/> (any offset:
    /// the mapping starts at the page holding it). Returns <see langword="null"/> when that cannot be done: not Linux,
    /// a range past the file's current end, or a file that cannot be mapped.
    /// </summary>
    public static MappedFileWindow? TryMap(SafeFileHandle file, long offset, int length)
    {
        if (!OperatingSystem.IsLinux() || length <= 0 || offset + length > CurrentLength(file))
        {
            return null;
        }
        long pageStart = offset & ~(long)(Environment.SystemPageSize - 1);
        int lead = (int)(offset - pageStart);
        nuint mappedLength = (nuint)(lead + (long)length);
        nint address = Libc.Mmap(0, mappedLength, Libc.ProtRead, Libc.MapShared | Libc.MapPopulate, file, pageStart);
        if (address == Libc.MapFailed)
        {
            _ = Marshal.GetLastPInvokeError();
            return null;
        }
        return new MappedFileWindow(address, mappedLength, lead, length);
    }

    /// <inheritdoc />
    public override Span<byte> GetSpan()
    {
        ObjectDisposedException.ThrowIf(_address == 0, this);
        return new Span<byte>((byte*)_address + _lead, _length);
    }

    /// <inheritdoc />
    public override MemoryHandle Pin(int elementIndex = 0)
    {
        ObjectDisposedException.ThrowIf(_address == 0, this);
        ArgumentOutOfRangeException.ThrowIfGreaterThan((uint)elementIndex, (uint)_length, nameof(elementIndex));
        return new MemoryHandle((byte*)_address + _lead + elementIndex);
    }

    /// <inheritdoc />
    public override void Unpin()
    {
        // Native memory does not move.
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        nint address = Interlocked.Exchange(ref _address, 0);
        if (address != 0)
        {
            _ = Libc.Munmap(address, _mappedLength);
        }
    }

    private static long CurrentLength(SafeFileHandle file)
    {
        try
        {
            return RandomAccess.GetLength(file);
        }
        catch (IOException)
        {
            return -1;
        }
    }
}
