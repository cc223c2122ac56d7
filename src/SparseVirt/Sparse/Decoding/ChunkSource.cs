namespace SparseVirt.Sparse;

/// <summary>
/// Where an expansion's chunks come from, and how their RAW payloads travel: an opened image's chunk table
/// (<see cref="ImageChunkSource"/>), a stream parsed front to back (<see cref="PipeReaderChunkSource"/>), or a pipe
/// whose payloads are spliced (<see cref="SpliceChunkSource"/>). The source's RAW mover is chosen once, by
/// <see cref="Start"/>, and owns each RAW chunk from its first byte to its last; everything else is applied by the
/// one loop, <see cref="RunAsync"/>.
/// </summary>
internal abstract class ChunkSource : IAsyncDisposable
{
    /// <summary>The file header of the piece being read.</summary>
    public SparseHeader Header { get; protected set; }

    /// <summary>The chunk <see cref="NextChunkAsync"/> found, validated, with its FILL or CRC32 value.</summary>
    public SparseChunk Current { get; protected set; }

    /// <summary>The output length all pieces produce, or -1 until a streamed image's header says.</summary>
    public virtual long TotalRawLength => -1;

    /// <summary>The name errors start with (the path of the piece being opened or read); null adds none.</summary>
    public virtual string? CurrentName => null;

    /// <summary>Opens what the source needs before anything is written (an image's chunk table, every piece of several).</summary>
    public virtual ValueTask OpenAsync(SparseExpandOptions? options, bool async, CancellationToken cancellationToken) => ValueTask.CompletedTask;

    /// <summary>
    /// The one chunk loop: each piece in order (a stream has one), each chunk applied (FILL, DONT_CARE, CRC32) or
    /// moved (RAW), then the output finished at the last piece's length. Returns the last piece's header.
    /// </summary>
    public async ValueTask<SparseHeader> RunAsync(ChunkApplier applier, bool async, CancellationToken cancellationToken)
    {
        Start(applier);
        int pieceIndex = 0;
        while (await NextPieceAsync(async, cancellationToken).ConfigureAwait(false))
        {
            SparseHeader header = Header;
            await applier.BeginPieceAsync(header, pieceIndex++, async, cancellationToken).ConfigureAwait(false);
            while (await NextChunkAsync(async, cancellationToken).ConfigureAwait(false))
            {
                cancellationToken.ThrowIfCancellationRequested();
                SparseChunk chunk = Current;
                if (chunk.Type == SparseChunkType.Raw)
                {
                    await MoveRawAsync(chunk, applier, async, cancellationToken).ConfigureAwait(false);
                    applier.EndRawChunk(chunk.PayloadLength);
                }
                else
                {
                    await applier.ApplyAsync(chunk, header.BlockSize, async, cancellationToken).ConfigureAwait(false);
                }
            }
            applier.EndPiece(header);
        }
        await applier.FinishAsync(Header.RawLength, async, cancellationToken).ConfigureAwait(false);
        return Header;
    }

    /// <summary>Chooses the RAW mover for this expansion, once, from what the destination is.</summary>
    protected abstract void Start(ChunkApplier applier);

    /// <summary>Moves to the next piece and reads its header into <see cref="Header"/>; false after the last.</summary>
    protected abstract ValueTask<bool> NextPieceAsync(bool async, CancellationToken cancellationToken);

    /// <summary>Reads the next chunk of the piece into <see cref="Current"/>; false after its last (the chunk table then checked).</summary>
    protected abstract ValueTask<bool> NextChunkAsync(bool async, CancellationToken cancellationToken);

    /// <summary>Moves all of the RAW chunk <paramref name="chunk"/>'s payload to its place in the output.</summary>
    /// <exception cref="SparseTruncatedException">The input ends inside the payload.</exception>
    protected abstract ValueTask MoveRawAsync(SparseChunk chunk, ChunkApplier applier, bool async, CancellationToken cancellationToken);

    /// <summary>What the source reads through and disposes of with itself (a stream over a caller's descriptor).</summary>
    public IDisposable? Owned { get; set; }

    /// <summary>Releases what the source opened or borrowed for the expansion.</summary>
    public async ValueTask DisposeAsync()
    {
        await DisposeCoreAsync().ConfigureAwait(false);
        Owned?.Dispose();
    }

    /// <summary>Releases what the particular source holds.</summary>
    protected virtual ValueTask DisposeCoreAsync() => ValueTask.CompletedTask;
}
