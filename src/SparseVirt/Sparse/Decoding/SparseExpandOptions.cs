using Microsoft.Extensions.Logging;

namespace SparseVirt.Sparse;

/// <summary>
/// How a sparse image is read and expanded (opening, expanding, verifying). Immutable: start from <see cref="Default"/> and
/// derive variations with the <c>With...</c> methods.
/// </summary>
public sealed record SparseExpandOptions
{
    /// <summary>The defaults: no checksum verification, no logging.</summary>
    public static SparseExpandOptions Default { get; } = new();

    private SparseExpandOptions()
    {
    }

    /// <summary>
    /// Verify checksums while expanding: at each CRC32 chunk, the CRC32 of everything expanded so far (DONT_CARE
    /// counted as zeros) must equal the chunk's value, and a non-zero <see cref="SparseHeader.ImageChecksum"/> must
    /// equal the CRC32 of the whole expanded image. Off by default, as in AOSP's <c>simg2img</c>; on, every byte
    /// passes through memory, so RAW data is no longer copied inside the kernel.
    /// </summary>
    public bool VerifyChecksums { get; private init; }

    /// <summary>Receives diagnostics (debug-level summaries, warnings about ignored trailing bytes); none when null.</summary>
    public ILogger? Logger { get; private init; }

    /// <summary>
    /// Make the output durable before reporting success: fsync the expanded file before it is named, and its folder
    /// after the rename (a block device: fsync). Off by default, as for <c>simg2img</c> and <c>cp</c>: an fsync of 4 GiB
    /// is not free. Without it the output is complete and renamed atomically, and survives a process crash, but a
    /// power loss may lose it.
    /// </summary>
    public bool Durable { get; private init; }

    /// <summary>A copy with <see cref="Durable"/> set.</summary>
    public SparseExpandOptions WithDurable(bool durable = true) => this with { Durable = durable };

    /// <summary>A copy with <see cref="VerifyChecksums"/> set.</summary>
    public SparseExpandOptions WithVerifyChecksums(bool verify = true) => this with { VerifyChecksums = verify };

    /// <summary>A copy with <see cref="Logger"/> set.</summary>
    public SparseExpandOptions WithLogger(ILogger? logger) => this with { Logger = logger };
}
