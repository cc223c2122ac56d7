using System.Buffers;
using System.Buffers.Binary;
using Microsoft.Extensions.Logging;
using Microsoft.Win32.SafeHandles;
using SparseVirt.BlockSources;

namespace SparseVirt.Sparse;

/// <summary>
/// The chunks of one image read from a caller's pipe, whose RAW payloads the mover splices into the output file
/// (<c>splice(2)</c>): pipe pages go to the file inside the kernel and never reach user space. Headers are read with
/// small exact reads (never a byte of payload, which must stay in the pipe for splice) and parsed by the same
/// <see cref="PipeChunkParser"/> as <see cref="PipeReaderChunkSource"/>. Where the output is not a file, or the kernel
/// cannot splice into it, the mover reads payloads through a buffer instead, so the result is the same. It blocks in
/// system calls: an asynchronous expansion runs it off the caller's thread, whole.
/// </summary>
internal sealed class SpliceChunkSource(SafeFileHandle pipe, ILogger logger) : ChunkSource
{
    // The capacity asked for: larger pipes mean fewer wake-ups of the writer and of this reader (1 MiB is the
    // unprivileged maximum by default, /proc/sys/fs/pipe-max-size).
    private const int WantedPipeCapacity = 1024 * 1024;

    private const int MaxHeaderRead = 64 * 1024;

    private readonly PipeChunkParser _parser = new();
    private byte[] _header = ArrayPool<byte>.Shared.Rent(MaxHeaderRead);
    private int _buffered;
    private KernelFileCopy? _splice;
    private byte[]? _copyBuffer;

    /// <summary>True when <paramref name="source"/> is a pipe whose payloads can be spliced for these options.</summary>
    public static bool CanUse(SafeFileHandle source, SparseExpandOptions? options) =>
        OperatingSystem.IsLinux()
        && !(options?.VerifyChecksums ?? false)   // checksums need every byte in memory
        && IO.FileStatus.Of(source).Kind == Interop.UnixFileType.Fifo;

    protected override void Start(ChunkApplier applier)
    {
        if (applier.KernelCopyTarget is SafeFileHandle target)
        {
            _ = Interop.Libc.Fcntl(pipe, Interop.Libc.FSetPipeSize, WantedPipeCapacity);   // best effort: a smaller pipe only costs calls
            _splice = new KernelFileCopy(target);
            SparseLog.SplicingFromPipe(logger, applier.Destination.Description);
        }
    }

    protected override ValueTask<bool> NextPieceAsync(bool async, CancellationToken cancellationToken)
    {
        if (_parser.HeaderRead)
        {
            return ValueTask.FromResult(false);   // a pipe holds one image
        }
        ParseNext();
        Header = _parser.Header;
        SparseLog.StreamHeader(logger, Header.TotalChunks, Header.TotalBlocks, Header.BlockSize, Header.RawLength);
        return ValueTask.FromResult(true);
    }

    protected override ValueTask<bool> NextChunkAsync(bool async, CancellationToken cancellationToken) =>
        ValueTask.FromResult(ParseNext() != PipeParseResult.End);

    protected override async ValueTask MoveRawAsync(SparseChunk chunk, ChunkApplier applier, bool async, CancellationToken cancellationToken)
    {
        if (_splice is not null)
        {
            _parser.ConsumeRaw(_splice.SpliceFromPipe(pipe, _parser.OutputOffset, _parser.RawRemaining, cancellationToken, out bool spliceWorks));
            if (!spliceWorks)
            {
                SparseLog.SpliceUnavailable(logger);
                _splice.Dispose();
                _splice = null;
            }
        }
        while (_parser.RawRemaining > 0)
        {
            cancellationToken.ThrowIfCancellationRequested();
            _copyBuffer ??= ArrayPool<byte>.Shared.Rent(SparsePipeDecoder.RawBatchBytes);
            int read = ReadSome(_copyBuffer.AsSpan(0, (int)Math.Min(_copyBuffer.Length, _parser.RawRemaining)));
            if (read == 0)
            {
                break;
            }
            await applier.WriteRawAsync(_copyBuffer.AsMemory(0, read), _parser.OutputOffset, async, cancellationToken).ConfigureAwait(false);
            _parser.ConsumeRaw(read);
        }
        if (_parser.RawRemaining > 0)
        {
            _parser.ThrowTruncated(ReadOnlySequence<byte>.Empty);
        }
    }

    protected override ValueTask DisposeCoreAsync()
    {
        _splice?.Dispose();
        ArrayPool<byte>.Shared.Return(_header);
        _header = [];
        if (_copyBuffer is not null)
        {
            ArrayPool<byte>.Shared.Return(_copyBuffer);
            _copyBuffer = null;
        }
        return ValueTask.CompletedTask;
    }

    /// <summary>Parses the next header, reading from the pipe exactly the bytes it still needs.</summary>
    private PipeParseResult ParseNext()
    {
        while (true)
        {
            var sequence = new ReadOnlySequence<byte>(_header, 0, _buffered);
            PipeParseResult parsed = _parser.TryParseNext(ref sequence, out SparseChunk chunk);
            if (parsed != PipeParseResult.NeedMore)
            {
                // The parser consumed exactly what was buffered: reads never go past the header it needs.
                _buffered = 0;
                Current = chunk;
                return parsed;
            }
            int want = BytesStillNeeded(_header.AsSpan(0, _buffered));
            int read = ReadAtLeast(_header.AsSpan(_buffered, want));
            _buffered += read;
            if (read < want)
            {
                _parser.ThrowTruncated(new ReadOnlySequence<byte>(_header, 0, _buffered));
            }
        }
    }

    // Reads until the span is full or the pipe ends.
    private int ReadAtLeast(Span<byte> destination)
    {
        int total = 0;
        while (total < destination.Length)
        {
            int read = ReadSome(destination[total..]);
            if (read == 0)
            {
                break;
            }
            total += read;
        }
        return total;
    }

    /// <summary>One <c>read(2)</c> from the pipe (retried on EINTR): the bytes read, 0 at its end. RandomAccess refuses unseekable files.</summary>
    /// <exception cref="IOException">The read failed.</exception>
    private unsafe int ReadSome(Span<byte> buffer)
    {
        fixed (byte* bytes = buffer)
        {
            while (true)
            {
                nint read = Interop.Libc.Read(pipe, bytes, (nuint)buffer.Length);
                if (read >= 0)
                {
                    return (int)read;
                }
                int errno = System.Runtime.InteropServices.Marshal.GetLastPInvokeError();
                if (errno != Interop.Errno.EINTR)
                {
                    throw Interop.Errno.ToException(errno, "Cannot read the input");
                }
            }
        }
    }

    /// <summary>
    /// How many more bytes the parser needs for the header at the front, computed from the bytes already there so no
    /// read takes a byte of the payload that follows.
    /// </summary>
    private int BytesStillNeeded(ReadOnlySpan<byte> buffered)
    {
        int needed;
        if (_parser.InputOffset == 0)
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
            int chunkHeaderSize = _parser.Header.ChunkHeaderSize;
            needed = buffered.Length < chunkHeaderSize ? chunkHeaderSize : chunkHeaderSize + SparseFormat.FillOrCrcPayloadSize;
        }
        // The parser validated the sizes it read; the bound only keeps a confused state from reading without end.
        return Math.Clamp(needed - buffered.Length, 1, MaxHeaderRead - buffered.Length);
    }
}
