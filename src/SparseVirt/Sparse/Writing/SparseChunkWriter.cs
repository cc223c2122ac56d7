using System.Buffers.Binary;
using System.IO.Hashing;
using Microsoft.Win32.SafeHandles;

namespace SparseVirt.Sparse;

/// <summary>
/// Writes a sparse image chunk by chunk: callers add runs of blocks (RAW data, FILL values, DONT_CARE), and the
/// writer merges adjacent compatible runs, bounds RAW chunks by <see cref="SparseWriterOptions.MaxChunkBytes"/>,
/// keeps the running CRC32 when asked, and finally patches the file header's counts. RAW data is written as it
/// arrives under a placeholder chunk header that is patched when the run ends, so nothing but a few counters is
/// held in memory whatever the image's size.
/// </summary>
internal sealed class SparseChunkWriter
{
    private const int CrcPatternBytes = 256 * 1024;

    private readonly SparseOutput _output;
    private readonly uint _blockSize;
    private readonly bool _zeroFill;
    private readonly uint _maxRawBlocks;
    private readonly bool _async;
    private readonly CancellationToken _cancellationToken;
    private readonly Crc32? _crc;
    private static readonly byte[] s_placeholderChunkHeader = new byte[SparseFormat.ChunkHeaderSize];

    private readonly byte[] _header = new byte[SparseFormat.FileHeaderSize];
    private readonly byte[] _chunk = new byte[SparseFormat.ChunkHeaderSize + SparseFormat.FillOrCrcPayloadSize];
    private byte[]? _crcPattern;
    private uint _crcPatternValue;

    private SparseChunkType? _pendingType;
    private uint _pendingBlocks;
    private uint _pendingValue;
    private long _pendingRawHeaderOffset;

    private long _blocks;
    private uint _chunks;

    private SparseChunkWriter(SparseOutput output, SparseWriterOptions options, bool async, CancellationToken cancellationToken)
    {
        _output = output;
        _blockSize = (uint)options.BlockSize;
        _zeroFill = options.ZeroFill;
        _maxRawBlocks = options.MaxRawBlocks;
        _async = async;
        _cancellationToken = cancellationToken;
        _crc = options.IncludeCrc ? new Crc32() : null;
    }

    /// <summary>The block size of the image.</summary>
    public uint BlockSize => _blockSize;

    /// <summary>The output blocks added so far.</summary>
    public long Blocks => _blocks;

    /// <summary>Starts an image: writes a placeholder file header that <see cref="FinishAsync"/> completes.</summary>
    public static async ValueTask<SparseChunkWriter> StartAsync(SparseOutput output, SparseWriterOptions options, bool async, CancellationToken cancellationToken)
    {
        options.Validate();
        var writer = new SparseChunkWriter(output, options, async, cancellationToken);
        await output.WriteSmallAsync(writer._header, async, cancellationToken).ConfigureAwait(false);
        return writer;
    }

    /// <summary>Adds blocks of zeros: DONT_CARE, or FILL 0 with <see cref="SparseWriterOptions.ZeroFill"/>.</summary>
    public ValueTask AddZerosAsync(long blocks) =>
        _zeroFill ? AddRunAsync(SparseChunkType.Fill, 0, blocks) : AddRunAsync(SparseChunkType.DontCare, 0, blocks);

    /// <summary>Adds blocks filled with the little-endian word <paramref name="value"/> (zeros follow <see cref="SparseWriterOptions.ZeroFill"/>).</summary>
    public ValueTask AddFillAsync(uint value, long blocks) =>
        value == 0 ? AddZerosAsync(blocks) : AddRunAsync(SparseChunkType.Fill, value, blocks);

    /// <summary>Adds blocks that a FILL chunk of <paramref name="value"/> (zero included) must describe.</summary>
    public ValueTask AddExplicitFillAsync(uint value, long blocks) => AddRunAsync(SparseChunkType.Fill, value, blocks);

    /// <summary>Adds DONT_CARE blocks (content undefined; expanded as zeros).</summary>
    public ValueTask AddDontCareAsync(long blocks) => AddRunAsync(SparseChunkType.DontCare, 0, blocks);

    /// <summary>Adds RAW blocks; <paramref name="data"/> is a whole number of blocks and is written before this returns.</summary>
    /// <param name="data">The blocks' bytes.</param>
    /// <param name="file">
    /// A file holding the same bytes at <paramref name="fileOffset"/>: the output then copies them from it in the kernel
    /// where it can (one copy between page caches instead of a write out of user memory, which is what costs most
    /// when the page cache is fresh). Not used when a checksum is kept, so the CRC covers exactly the bytes written.
    /// </param>
    /// <param name="fileOffset">Where <paramref name="data"/> starts in <paramref name="file"/>.</param>
    public async ValueTask AddRawAsync(ReadOnlyMemory<byte> data, SafeFileHandle? file = null, long fileOffset = -1)
    {
        if (_crc is not null)
        {
            file = null;
        }
        if (data.Length % _blockSize != 0)
        {
            throw new ArgumentException($"RAW data must be whole {_blockSize}-byte blocks; {data.Length} bytes are not.", nameof(data));
        }
        while (!data.IsEmpty)
        {
            if (_pendingType != SparseChunkType.Raw || _pendingBlocks == _maxRawBlocks)
            {
                await FlushPendingAsync().ConfigureAwait(false);
                _pendingType = SparseChunkType.Raw;
                _pendingBlocks = 0;
                _pendingRawHeaderOffset = _output.Position;
                await _output.WriteSmallAsync(s_placeholderChunkHeader, _async, _cancellationToken).ConfigureAwait(false);
            }

            uint room = _maxRawBlocks - _pendingBlocks;
            int take = (int)Math.Min(data.Length / _blockSize, room) * (int)_blockSize;
            ReadOnlyMemory<byte> part = data[..take];
            CountBlocks(take / _blockSize);
            _crc?.Append(part.Span);
            long copied = file is null ? 0 : await _output.AppendFromFileAsync(file, fileOffset, take, _async, _cancellationToken).ConfigureAwait(false);
            if (copied < take)
            {
                await _output.WriteAsync(part[(int)copied..], _async, _cancellationToken).ConfigureAwait(false);
            }
            _pendingBlocks += (uint)(take / _blockSize);
            data = data[take..];
            fileOffset += take;
        }
    }

    /// <summary>
    /// Ends the image: writes the last chunk, the CRC32 chunk if asked for, and the completed file header.
    /// </summary>
    /// <returns>The header as written.</returns>
    public async ValueTask<SparseHeader> FinishAsync()
    {
        await FlushPendingAsync().ConfigureAwait(false);
        uint checksum = 0;
        if (_crc is not null)
        {
            checksum = _crc.GetCurrentHashAsUInt32();
            byte[] chunk = _chunk;
            new SparseChunkHeader((ushort)SparseChunkType.Crc32, 0, 0, (uint)chunk.Length).Write(chunk);
            BinaryPrimitives.WriteUInt32LittleEndian(chunk.AsSpan(SparseFormat.ChunkHeaderSize), checksum);
            await _output.WriteSmallAsync(chunk, _async, _cancellationToken).ConfigureAwait(false);
            _chunks++;
        }

        var header = SparseHeader.Create(_blockSize, (uint)_blocks, _chunks, checksum);
        header.Write(_header);
        await _output.PatchAsync(0, _header, _async, _cancellationToken).ConfigureAwait(false);
        await _output.FlushAsync(_async, _cancellationToken).ConfigureAwait(false);
        return header;
    }

    private async ValueTask AddRunAsync(SparseChunkType type, uint value, long blocks)
    {
        if (blocks <= 0)
        {
            return;
        }
        AppendCrc(type, value, blocks);
        while (blocks > 0)
        {
            if (_pendingType != type || _pendingValue != value || _pendingBlocks == uint.MaxValue)
            {
                await FlushPendingAsync().ConfigureAwait(false);
                _pendingType = type;
                _pendingValue = value;
                _pendingBlocks = 0;
            }
            uint take = (uint)Math.Min(blocks, uint.MaxValue - _pendingBlocks);
            CountBlocks(take);
            _pendingBlocks += take;
            blocks -= take;
        }
    }

    private void CountBlocks(long blocks)
    {
        _blocks += blocks;
        if (_blocks > uint.MaxValue)
        {
            throw new InvalidOperationException(
                $"The image would have more than {uint.MaxValue} blocks of {_blockSize} bytes, the most a sparse image's 32-bit total_blks can count; use a larger block size.");
        }
    }

    private async ValueTask FlushPendingAsync()
    {
        if (_pendingType is not SparseChunkType type || _pendingBlocks == 0)
        {
            _pendingType = null;
            return;
        }
        _pendingType = null;
        _chunks++;

        byte[] chunk = _chunk;
        switch (type)
        {
            case SparseChunkType.Raw:
                uint totalSize = checked((uint)(SparseFormat.ChunkHeaderSize + (long)_pendingBlocks * _blockSize));
                new SparseChunkHeader((ushort)type, 0, _pendingBlocks, totalSize).Write(chunk);
                await _output.PatchAsync(_pendingRawHeaderOffset, chunk.AsMemory(0, SparseFormat.ChunkHeaderSize), _async, _cancellationToken).ConfigureAwait(false);
                break;
            case SparseChunkType.Fill:
                new SparseChunkHeader((ushort)type, 0, _pendingBlocks, (uint)chunk.Length).Write(chunk);
                BinaryPrimitives.WriteUInt32LittleEndian(chunk.AsSpan(SparseFormat.ChunkHeaderSize), _pendingValue);
                await _output.WriteSmallAsync(chunk, _async, _cancellationToken).ConfigureAwait(false);
                break;
            default:
                new SparseChunkHeader((ushort)type, 0, _pendingBlocks, SparseFormat.ChunkHeaderSize).Write(chunk);
                await _output.WriteSmallAsync(chunk.AsMemory(0, SparseFormat.ChunkHeaderSize), _async, _cancellationToken).ConfigureAwait(false);
                break;
        }
    }

    private void AppendCrc(SparseChunkType type, uint value, long blocks)
    {
        if (_crc is null)
        {
            return;
        }
        if (type == SparseChunkType.DontCare)
        {
            value = 0;
        }
        if (_crcPattern is null || _crcPatternValue != value)
        {
            _crcPattern ??= new byte[CrcPatternBytes];
            for (int i = 0; i < _crcPattern.Length; i += 4)
            {
                BinaryPrimitives.WriteUInt32LittleEndian(_crcPattern.AsSpan(i), value);
            }
            _crcPatternValue = value;
        }
        long bytes = blocks * _blockSize;
        while (bytes > 0)
        {
            int part = (int)Math.Min(bytes, _crcPattern.Length);
            _crc.Append(_crcPattern.AsSpan(0, part));
            bytes -= part;
        }
    }
}
