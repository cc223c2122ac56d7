using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;
using SparseVirt.Interop;

namespace SparseVirt.Sparse;

/// <summary>
/// Expands a sparse image read from a pipe into a file with the RAW payloads moved by <c>splice(2)</c>: pipe pages go
/// to the file inside the kernel and never reach user space. Headers are read with small exact reads (never a byte of
/// payload), parsed by the same <see cref="PipeChunkParser"/> as the pipeline decoder, and applied by the same
/// <see cref="ChunkApplier"/>; only where RAW bytes travel differs. When the kernel cannot splice into this file, the
/// rest goes through a buffer with read/pwrite, so the result is the same.
/// </summary>
internal static class PipeSpliceDecoder
{
    // One splice call moves at most the pipe's capacity; asking for more costs nothing and keeps calls few.
    private const int MaxBytesPerCall = 16 * 1024 * 1024;

    // The capacity asked for: larger pipes mean fewer wake-ups of the writer and of this reader (1 MiB is the
    // unprivileged maximum by default, /proc/sys/fs/pipe-max-size).
    private const int WantedPipeCapacity = 1024 * 1024;

    private const int MaxHeaderRead = 64 * 1024;

    /// <summary>True when <paramref name="source"/> is a pipe and the expansion can use this decoder.</summary>
    public static bool CanUse(SafeFileHandle source, SparseExpandOptions? options) =>
        OperatingSystem.IsLinux()
        && !(options?.VerifyChecksums ?? false)   // checksums need every byte in memory
        && IO.FileStatus.Of(source).Kind == UnixFileType.Fifo;

    /// <summary>Expands the image from the pipe <paramref name="source"/> into <paramref name="applier"/>'s file destination.</summary>
    public static SparseHeader Decode(SafeFileHandle source, ChunkApplier applier, CancellationToken cancellationToken)
    {
        SafeFileHandle target = applier.Destination.KernelCopyTarget
            ?? throw new InvalidOperationException("The splice decoder writes only into files.");
        _ = Libc.Fcntl(source, Libc.FSetPipeSize, WantedPipeCapacity);   // best effort: a smaller pipe only costs calls
        SparseLog.SplicingFromPipe(applier.Logger, applier.Destination.Description);

        // Headers and any fallback copy are read through the same descriptor (never buffered ahead: splice takes the rest).
        using var input = new IO.BorrowedDescriptorStream(source);
        var parser = new PipeChunkParser();
        byte[] header = ArrayPool<byte>.Shared.Rent(MaxHeaderRead);
        byte[]? copyBuffer = null;
        bool spliceWorks = true;
        try
        {
            int buffered = 0;
            while (!parser.IsDone)
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (parser.RawRemaining > 0)
                {
                    long offset = parser.OutputOffset;
                    long moved = spliceWorks ? SpliceToFile(source, target, offset, parser.RawRemaining, cancellationToken, out spliceWorks) : 0;
                    parser.ConsumeRaw(moved);
                    if (parser.RawRemaining > 0 && !spliceWorks)
                    {
                        if (copyBuffer is null)
                        {
                            SparseLog.SpliceUnavailable(applier.Logger);
                            copyBuffer = ArrayPool<byte>.Shared.Rent(SparsePipeDecoder.RawBatchBytes);
                        }
                        CopyThroughBuffer(input, applier, parser, copyBuffer, cancellationToken);
                    }
                    if (parser.RawRemaining > 0)
                    {
                        parser.ThrowTruncated(ReadOnlySequence<byte>.Empty);
                    }
                    applier.EndRawChunk(parser.CurrentChunkLength);
                    continue;
                }

                var sequence = new ReadOnlySequence<byte>(header, 0, buffered);
                PipeParseResult parsed = parser.TryParseNext(ref sequence, out SparseChunk chunk);
                if (parsed == PipeParseResult.NeedMore)
                {
                    int want = BytesStillNeeded(parser, header.AsSpan(0, buffered));
                    int read = input.ReadAtLeast(header.AsSpan(buffered, want), want, throwOnEndOfStream: false);
                    buffered += read;
                    if (read < want)
                    {
                        parser.ThrowTruncated(new ReadOnlySequence<byte>(header, 0, buffered));
                    }
                    continue;
                }

                // The parser consumed exactly what was buffered: reads never go past the header it needs.
                buffered = 0;
                switch (parsed)
                {
                    case PipeParseResult.FileHeader:
                        SparseLog.StreamHeader(applier.Logger, parser.Header.TotalChunks, parser.Header.TotalBlocks, parser.Header.BlockSize, parser.Header.RawLength);
                        applier.BeginPieceAsync(parser.Header, 0, useAsync: false, cancellationToken).GetAwaiter().GetResult();
                        break;
                    case PipeParseResult.Chunk:
                        applier.ApplyAsync(chunk, parser.Header.BlockSize, useAsync: false, cancellationToken).GetAwaiter().GetResult();
                        break;
                    default:
                        applier.EndPiece(parser.Header);
                        break;
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(header);
            if (copyBuffer is not null)
            {
                ArrayPool<byte>.Shared.Return(copyBuffer);
            }
        }

        applier.FinishAsync(parser.Header.RawLength, useAsync: false, cancellationToken).GetAwaiter().GetResult();
        return parser.Header;
    }

    /// <summary>
    /// How many more bytes the parser needs for the header at the front, computed from the bytes already there so no
    /// read takes a byte of the payload that follows (which must stay in the pipe for splice).
    /// </summary>
    private static int BytesStillNeeded(PipeChunkParser parser, ReadOnlySpan<byte> buffered)
    {
        int needed;
        if (parser.InputOffset == 0)
        {
            if (buffered.Length < SparseFormat.FileHeaderSize)
            {
                needed = SparseFormat.FileHeaderSize;
            }
            else if (SparseHeader.HasMagic(buffered))
            {
                needed = BinaryPrimitives.ReadUInt16LittleEndian(buffered[8..]);   // file_hdr_sz
            }
            else
            {
                needed = DiskImageFormatSniffer.BytesWanted;   // enough to say what the input is instead
            }
        }
        else
        {
            int chunkHeaderSize = parser.Header.ChunkHeaderSize;
            needed = buffered.Length < chunkHeaderSize ? chunkHeaderSize : chunkHeaderSize + SparseFormat.FillOrCrcPayloadSize;
        }
        // The parser validated the sizes it read; the bound only keeps a confused state from reading without end.
        return Math.Clamp(needed - buffered.Length, 1, MaxHeaderRead - buffered.Length);
    }

    private static unsafe long SpliceToFile(SafeFileHandle pipe, SafeFileHandle file, long offset, long length, CancellationToken cancellationToken, out bool spliceWorks)
    {
        spliceWorks = true;
        long moved = 0;
        while (moved < length)
        {
            cancellationToken.ThrowIfCancellationRequested();
            long outputOffset = offset + moved;
            nint result = Libc.Splice(pipe, null, file, &outputOffset, (nuint)Math.Min(length - moved, MaxBytesPerCall), Libc.SpliceMove | Libc.SpliceMore);
            if (result > 0)
            {
                moved += result;
                continue;
            }
            if (result == 0)
            {
                return moved;   // the pipe's writer is gone: the caller reports the truncation
            }
            int errno = Marshal.GetLastPInvokeError();
            if (errno == Errno.EINTR)
            {
                continue;
            }
            if (errno is Errno.EINVAL or Errno.ENOSYS or Errno.EAGAIN)
            {
                // Not into this file (a file system without splice support), or a non-blocking pipe: bytes not moved
                // are still in the pipe, so the caller reads them the ordinary way.
                spliceWorks = false;
                return moved;
            }
            throw Errno.ToException(errno, $"splice into the output failed at byte {outputOffset}");
        }
        return moved;
    }

    private static void CopyThroughBuffer(Stream input, ChunkApplier applier, PipeChunkParser parser, byte[] buffer, CancellationToken cancellationToken)
    {
        while (parser.RawRemaining > 0)
        {
            cancellationToken.ThrowIfCancellationRequested();
            int read = input.Read(buffer.AsSpan(0, (int)Math.Min(buffer.Length, parser.RawRemaining)));
            if (read == 0)
            {
                return;
            }
            applier.WriteRawAsync(buffer.AsMemory(0, read), parser.OutputOffset, useAsync: false, cancellationToken).GetAwaiter().GetResult();
            parser.ConsumeRaw(read);
        }
    }
}
