namespace SparseVirt.Sparse;

/// <summary>What the pipeline decoder must do after parsing one header from the pipe.</summary>
internal enum PipeChunkActionKind
{
    /// <summary>The file header was read.</summary>
    Header,

    /// <summary>A RAW chunk's header was read; its payload follows in the pipe.</summary>
    Raw,

    /// <summary>A FILL chunk (header and pattern) was read.</summary>
    Fill,

    /// <summary>A DONT_CARE chunk was read.</summary>
    DontCare,

    /// <summary>A CRC32 chunk (header and value) was read.</summary>
    Crc32,

    /// <summary>The last chunk was read and the chunk table checked.</summary>
    End,
}

/// <summary>One parsed header and where its output goes.</summary>
internal readonly record struct PipeChunkAction(PipeChunkActionKind Kind, SparseChunk Chunk, long OutputOffset);
