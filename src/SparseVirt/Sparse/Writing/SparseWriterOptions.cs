using Microsoft.Extensions.Logging;

namespace SparseVirt.Sparse;

/// <summary>
/// How raw data becomes a sparse image: the block size, what zero blocks become, whether CRC32 checksums are
/// recorded, how large a RAW chunk may grow, and where diagnostics go; used by converting, splitting and appending.
/// Immutable: start from <see cref="Default"/> and change a copy with the <c>With...</c> methods.
/// </summary>
public sealed record SparseWriterOptions
{
    /// <summary>The smallest block size accepted (AOSP <c>img2simg</c>'s minimum).</summary>
    public const int MinimumBlockSize = 1024;

    /// <summary>The largest block size accepted (a block must fit the conversion buffers).</summary>
    public const int MaximumBlockSize = 64 * 1024 * 1024;

    /// <summary>The default bound on a RAW chunk's payload, 64 MiB, which keeps device-side buffers bounded.</summary>
    public const long DefaultMaxChunkBytes = 64L * 1024 * 1024;

    /// <summary>The defaults: 4096-byte blocks, zero blocks as DONT_CARE, no checksums, 64 MiB chunks.</summary>
    public static SparseWriterOptions Default { get; } = new();

    private SparseWriterOptions()
    {
    }

    /// <summary>Bytes per block: a multiple of 4, at least <see cref="MinimumBlockSize"/>. Default 4096.</summary>
    public int BlockSize { get; private init; } = SparseFormat.DefaultBlockSize;

    /// <summary>
    /// Emit blocks of zeros as FILL chunks of 0, as AOSP <c>img2simg</c> does, instead of DONT_CARE chunks (the
    /// default). DONT_CARE images are smaller and flash faster, but flashing one leaves the device's old content in
    /// those blocks; with this option every block of the image is written.
    /// </summary>
    public bool ZeroFill { get; private init; }

    /// <summary>
    /// Record checksums: a CRC32 chunk at the end and the header's image checksum, both the CRC32 of the whole
    /// expanded image with DONT_CARE blocks counted as zeros. AOSP's own tools write neither by default.
    /// </summary>
    public bool IncludeCrc { get; private init; }

    /// <summary>The most payload bytes one RAW chunk carries (rounded down to whole blocks). Default 64 MiB.</summary>
    public long MaxChunkBytes { get; private init; } = DefaultMaxChunkBytes;

    /// <summary>Receives diagnostics (debug-level summaries); none when null.</summary>
    public ILogger? Logger { get; private init; }

    /// <summary>A copy with another block size.</summary>
    public SparseWriterOptions WithBlockSize(int blockSize) => this with { BlockSize = blockSize };

    /// <summary>A copy that emits zero blocks as FILL 0 (true) or DONT_CARE (false).</summary>
    public SparseWriterOptions WithZeroFill(bool zeroFill = true) => this with { ZeroFill = zeroFill };

    /// <summary>A copy that does (or does not) record CRC32 checksums.</summary>
    public SparseWriterOptions WithCrc(bool includeCrc = true) => this with { IncludeCrc = includeCrc };

    /// <summary>A copy with another bound on RAW chunk payloads.</summary>
    public SparseWriterOptions WithMaxChunkBytes(long maxChunkBytes) => this with { MaxChunkBytes = maxChunkBytes };

    /// <summary>A copy with <see cref="Logger"/> set.</summary>
    public SparseWriterOptions WithLogger(ILogger? logger) => this with { Logger = logger };

    /// <summary>
    /// Make the output durable before reporting success: fsync the image before it is named and its folder after the
    /// rename. Off by default (see <see cref="SparseExpandOptions.Durable"/>).
    /// </summary>
    public bool Durable { get; private init; }

    /// <summary>A copy with <see cref="Durable"/> set.</summary>
    public SparseWriterOptions WithDurable(bool durable = true) => this with { Durable = durable };

    /// <summary>Checks the values; throws <see cref="ArgumentOutOfRangeException"/> naming the option and the rule it breaks.</summary>
    public void Validate()
    {
        if (BlockSize < MinimumBlockSize || BlockSize > MaximumBlockSize || BlockSize % 4 != 0)
        {
            throw new ArgumentOutOfRangeException(
                nameof(BlockSize),
                BlockSize,
                $"The block size must be a multiple of 4 between {MinimumBlockSize} and {MaximumBlockSize} bytes; {BlockSize} is not.");
        }
        if (MaxChunkBytes < BlockSize)
        {
            throw new ArgumentOutOfRangeException(
                nameof(MaxChunkBytes),
                MaxChunkBytes,
                $"The maximum chunk size must hold at least one {BlockSize}-byte block; {MaxChunkBytes} bytes do not.");
        }
    }

    /// <summary>The RAW chunk bound in blocks, also kept within total_sz's 32 bits.</summary>
    internal uint MaxRawBlocks
    {
        get
        {
            long limit = Math.Min(MaxChunkBytes, uint.MaxValue - SparseFormat.ChunkHeaderSize);
            return (uint)Math.Max(1, limit / BlockSize);
        }
    }
}
