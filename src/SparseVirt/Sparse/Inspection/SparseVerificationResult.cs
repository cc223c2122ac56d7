using System.Text.Json;

namespace SparseVirt.Sparse;

/// <summary>The outcome of <see cref="SparseVerifier"/>: valid, or the first problem found and where.</summary>
public sealed class SparseVerificationResult
{
    /// <summary>The version of the JSON layout; bumped on any incompatible change.</summary>
    public const int CurrentSchemaVersion = 1;

    /// <summary>The version of the JSON layout this object serializes to.</summary>
    public int SchemaVersion { get; init; } = CurrentSchemaVersion;

    /// <summary>True when the structure is valid and every recorded checksum matches.</summary>
    public required bool IsValid { get; init; }

    /// <summary>The first problem found (the exception's message), or null when valid.</summary>
    public string? Problem { get; init; }

    /// <summary>The chunk at fault, when the problem is in a chunk.</summary>
    public int? ChunkIndex { get; init; }

    /// <summary>The byte offset in the sparse image where the problem lies, when known.</summary>
    public long? ByteOffset { get; init; }

    /// <summary>The number of chunks the image has (when its header could be read).</summary>
    public int Chunks { get; init; }

    /// <summary>The expanded length in bytes (when its header could be read).</summary>
    public long RawLength { get; init; }

    /// <summary>How many CRC32 chunks were checked and matched.</summary>
    public int CrcChunksChecked { get; init; }

    /// <summary>True when the header records an image checksum and it matched.</summary>
    public bool ImageChecksumChecked { get; init; }

    /// <summary>The JSON form: camelCase names, indented, absent values omitted.</summary>
    public string ToJson() => JsonSerializer.Serialize(this, SparseInspectionJsonContext.Default.SparseVerificationResult);
}
