using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;
using SparseVirt.Interop;

namespace SparseVirt.BlockSources;

/// <summary>The splice(2) half of <see cref="KernelFileCopy"/>: through the operation's own pipe, or from a caller's pipe.</summary>
internal sealed partial class KernelFileCopy
{
    // The pipe SpliceAligned asks for. Measured on ext4 (docs/benchmarking.md), eight alternating rounds of `unsparse`:
    // 512 KiB 0.39 s, 1 MiB the same, 256 KiB 0.42-0.43 s (fewer rounds, fewer calls); the smaller of the two fastest.
    private const int SplicePipeCapacity = 512 * 1024;

    // One splice from a caller's pipe moves at most the pipe's capacity; asking for more costs nothing and keeps calls few.
    private const int MaxBytesPerPipeCall = 16 * 1024 * 1024;

    private SafeFileHandle? _pipeOut;
    private SafeFileHandle? _pipeIn;
    private int _pipeCapacity;
    private bool _pipeFailed;

    /// <summary>Closes the pipe the operation made, if it made one.</summary>
    public void Dispose()
    {
        _pipeOut?.Dispose();
        _pipeIn?.Dispose();
        _pipeOut = _pipeIn = null;
    }

    /// <summary>
    /// Copies a range whose source and destination offsets differ within a page through a pipe, in rounds that each
    /// end on a page boundary of the destination. copy_file_range does the same inside the kernel through a pipe of
    /// 16 pages, but it writes whatever one round read, and a misaligned source fills 16 pages with less than 16
    /// pages of data: from the first round on, every write starts and ends inside a page of the destination, which
    /// ext4 then zeroes around the write and cannot give large folios. Whole-page writes measured about 10% faster
    /// (docs/benchmarking.md). Returns the bytes copied; fewer than asked when the source ends early or these files
    /// cannot be spliced, the rest being left to the caller. Nothing is consumed from the source (its reads are
    /// positional); a failure to write drops the pipe with what it holds.
    /// </summary>
    internal unsafe long SpliceAligned(SafeFileHandle source, long sourceOffset, long destinationOffset, long length, CancellationToken cancellationToken)
    {
        if (!TryGetPipe())
        {
            return 0;
        }

        // A round of `round` bytes may touch one page of the source more than it fills in the destination, and each
        // page of the source takes one slot of the pipe: a round never asks for more than the pipe can hold.
        long round = _pipeCapacity - PageSize;
        long copied = 0;
        while (copied < length)
        {
            cancellationToken.ThrowIfCancellationRequested();
            long outputOffset = destinationOffset + copied;
            long wanted = Math.Min(length - copied, round - (outputOffset & (PageSize - 1)));

            // One read per round: a short one (never seen from a file) is written out before reading on, so the
            // pipe is never asked to take more than it has room for.
            long inputOffset = sourceOffset + copied;
            nint inPipe = Libc.Splice(source, &inputOffset, _pipeIn!, null, (nuint)wanted, Libc.SpliceMore);
            if (inPipe == 0)
            {
                return copied;   // the source ends early: the caller's ordinary read finds the truncation
            }
            if (inPipe < 0)
            {
                int errno = Marshal.GetLastPInvokeError();
                if (IsInterrupted(errno, "splice from the input failed at byte", inputOffset))
                {
                    continue;
                }
                if (errno is Errno.ENOSYS or Errno.EPERM)
                {
                    s_spliceUnavailable = true;   // no splice in this kernel, or a filter forbids it
                }
                return copied;
            }
            long drained = DrainPipe(outputOffset, inPipe);
            if (drained < inPipe)
            {
                // The destination does not take splice: what stayed in the pipe goes with it, and so does splicing
                // for the rest of the operation (copy_file_range takes the ranges on).
                Dispose();
                _pipeFailed = true;
                return copied + drained;
            }
            copied += inPipe;
        }
        return copied;
    }

    /// <summary>
    /// Moves up to <paramref name="length"/> bytes from the caller's pipe <paramref name="pipe"/> into the destination
    /// at <paramref name="destinationOffset"/>. Returns the bytes moved; fewer when the pipe's writer is gone (the
    /// caller reports the truncation) or when <paramref name="spliceWorks"/> comes back false: the kernel cannot
    /// splice into this file (a file system without splice support) or the pipe is non-blocking, and the bytes not
    /// moved are still in the pipe for the caller to read the ordinary way.
    /// </summary>
    public unsafe long SpliceFromPipe(SafeFileHandle pipe, long destinationOffset, long length, CancellationToken cancellationToken, out bool spliceWorks)
    {
        spliceWorks = true;
        long moved = 0;
        while (moved < length)
        {
            cancellationToken.ThrowIfCancellationRequested();
            long outputOffset = destinationOffset + moved;
            nint result = Libc.Splice(pipe, null, destination, &outputOffset, (nuint)Math.Min(length - moved, MaxBytesPerPipeCall), Libc.SpliceMove | Libc.SpliceMore);
            if (result > 0)
            {
                moved += result;
                continue;
            }
            if (result == 0)
            {
                return moved;
            }
            int errno = Marshal.GetLastPInvokeError();
            if (errno == Errno.EINTR)
            {
                continue;
            }
            if (errno is Errno.EINVAL or Errno.ENOSYS or Errno.EAGAIN)
            {
                spliceWorks = false;
                return moved;
            }
            throw Errno.ToException(errno, $"splice into the output failed at byte {outputOffset}");
        }
        return moved;
    }

    /// <summary>The operation's pipe, made on first use with the capacity asked for; false when none can be had.</summary>
    private unsafe bool TryGetPipe()
    {
        if (_pipeIn is not null)
        {
            return true;
        }
        if (_pipeFailed)
        {
            return false;
        }
        int* ends = stackalloc int[2];
        if (Libc.Pipe2(ends, Libc.OpenCloseOnExec) != 0)
        {
            _ = Marshal.GetLastPInvokeError();
            _pipeFailed = true;
            return false;
        }
        _pipeOut = new SafeFileHandle(ends[0], ownsHandle: true);
        _pipeIn = new SafeFileHandle(ends[1], ownsHandle: true);
        _pipeCapacity = Libc.Fcntl(_pipeIn, Libc.FSetPipeSize, SplicePipeCapacity);
        if (_pipeCapacity < 2 * PageSize)
        {
            _ = Marshal.GetLastPInvokeError();
            Dispose();
            _pipeFailed = true;
            return false;
        }
        return true;
    }

    /// <summary>Writes what one round put in the pipe to the destination at <paramref name="outputOffset"/>; returns the bytes written.</summary>
    private unsafe long DrainPipe(long outputOffset, long inPipe)
    {
        long drained = 0;
        while (drained < inPipe)
        {
            nint written = Libc.Splice(_pipeOut!, null, destination, &outputOffset, (nuint)(inPipe - drained), Libc.SpliceMore);
            if (written > 0)
            {
                drained += written;
                continue;
            }
            int errno = written == 0 ? Errno.EINVAL : Marshal.GetLastPInvokeError();
            if (!IsInterrupted(errno, "splice into the output failed at byte", outputOffset))
            {
                return drained;
            }
        }
        return drained;
    }
}
