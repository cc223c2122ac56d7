using System.Globalization;
using Microsoft.Extensions.Logging;

namespace SparseVirt.Sparse;

/// <summary>
/// The files of one split: every piece is written complete before any is named, so a failure leaves no partial set
/// behind. Up to <see cref="MaxHeldPieces"/> pieces are kept open and unnamed (O_TMPFILE where the file system has
/// it) until all are written, so a process killed even by SIGKILL leaves nothing; a split into more would risk the
/// open-file limit, so each of its pieces holds a descriptor only while it is written and then waits complete under
/// a hidden staging name.
/// </summary>
internal sealed class SparsePieceSet
{
    private const int MaxParallelPieces = 4;
    private const int MaxHeldPieces = 256;

    private readonly SparseImage _image;
    private readonly List<SparsePiece> _pieces;
    private readonly string[] _destinations;
    private readonly string _stagingStem;
    private readonly bool _hold;
    private readonly AtomicFileOutput?[] _held;
    private readonly string?[] _staged;
    private readonly bool _durable;
    private readonly IProgress<long>? _progress;
    private readonly Lock _gate = new();
    private long _written;

    private SparsePieceSet(SparseImage image, List<SparsePiece> pieces, string[] destinations, string stagingStem, bool durable, IProgress<long>? progress)
    {
        _image = image;
        _pieces = pieces;
        _destinations = destinations;
        _stagingStem = stagingStem;
        _hold = pieces.Count <= MaxHeldPieces;
        _held = new AtomicFileOutput?[_hold ? pieces.Count : 0];
        _staged = new string?[pieces.Count];
        _durable = durable;
        _progress = progress;
    }

    /// <summary>Splits <paramref name="image"/> into <c>PREFIX.N</c> files of at most <paramref name="maxBytes"/> each.</summary>
    /// <returns>The pieces' full paths, in order.</returns>
    public static async ValueTask<IReadOnlyList<string>> WriteAsync(SparseImage image, string outputPrefix, long maxBytes, IProgress<long>? progress, ILogger logger, bool durable, bool async, CancellationToken cancellationToken)
    {
        List<SparsePiece> pieces = SparsePiecePlanner.Plan(image.Header, image.Chunks, maxBytes);
        SparseWriterLog.Splitting(logger, image.Chunks.Count, maxBytes, pieces.Count);
        string[] destinations = Destinations(outputPrefix, pieces.Count);
        string folder = Path.GetDirectoryName(destinations[0]) ?? ".";
        string stagingStem = Path.Combine(folder, $".{Path.GetFileName(outputPrefix)}.{Guid.NewGuid():N}");
        var set = new SparsePieceSet(image, pieces, destinations, stagingStem, durable, progress);
        try
        {
            await set.WriteAllAsync(async, cancellationToken).ConfigureAwait(false);
            await set.NameAllAsync(async).ConfigureAwait(false);
            return destinations;
        }
        finally
        {
            await set.CleanUpAsync().ConfigureAwait(false);
        }
    }

    private static string[] Destinations(string outputPrefix, int count)
    {
        string[] destinations = new string[count];
        for (int i = 0; i < destinations.Length; i++)
        {
            destinations[i] = Path.GetFullPath(SparseSplitter.PiecePath(outputPrefix, i));
            if (Directory.Exists(destinations[i]))
            {
                throw new IOException($"Cannot write piece '{destinations[i]}': it is a folder.");
            }
        }
        string folder = Path.GetDirectoryName(destinations[0]) ?? ".";
        if (!Directory.Exists(folder))
        {
            throw new DirectoryNotFoundException($"Cannot write '{destinations[0]}': the folder '{folder}' does not exist.");
        }
        return destinations;
    }

    private async ValueTask WriteAllAsync(bool async, CancellationToken cancellationToken)
    {
        // Pieces are independent files read from the image with positional reads: they are written in parallel,
        // which keeps several cores copying when the kernel copy is CPU-bound.
        var parallel = new ParallelOptions
        {
            MaxDegreeOfParallelism = Math.Clamp(Environment.ProcessorCount, 1, MaxParallelPieces),
            CancellationToken = cancellationToken,
        };
        if (async)
        {
            await Parallel.ForEachAsync(Enumerable.Range(0, _pieces.Count), parallel, (index, token) => WriteOneAsync(index, async: true, token)).ConfigureAwait(false);
        }
        else
        {
            Parallel.For(0, _pieces.Count, parallel, index => SyncPath.Complete(WriteOneAsync(index, async: false, cancellationToken)));
        }
    }

    private async ValueTask WriteOneAsync(int index, bool async, CancellationToken cancellationToken)
    {
        AtomicFileOutput atomic = AtomicFileOutput.Create(_hold ? _destinations[index] : _stagingStem + "." + index.ToString(CultureInfo.InvariantCulture) + ".piece");
        if (_hold)
        {
            _held[index] = atomic;
        }
        try
        {
            using (var output = new FileSparseOutput(atomic.Handle))
            {
                await SparsePieceWriter.WriteAsync(_image, _pieces[index], output, async, cancellationToken).ConfigureAwait(false);
            }
            if (!_hold)
            {
                await CommitAsync(atomic, async).ConfigureAwait(false);
                _staged[index] = atomic.DestinationPath;
            }
        }
        finally
        {
            if (!_hold)
            {
                await atomic.DisposeAsync().ConfigureAwait(false);
            }
        }
        lock (_gate)
        {
            _written += _pieces[index].Length;
            _progress?.Report(_written);
        }
    }

    /// <summary>Names every piece, once all are complete.</summary>
    private async ValueTask NameAllAsync(bool async)
    {
        for (int i = 0; i < _pieces.Count; i++)
        {
            if (_hold)
            {
                await CommitAsync(_held[i]!, async).ConfigureAwait(false);
            }
            else
            {
                File.Move(_staged[i]!, _destinations[i], overwrite: true);
                _staged[i] = null;
                if (_durable)
                {
                    FolderSync.OfFile(_destinations[i]);
                }
            }
        }
    }

    private async ValueTask CommitAsync(AtomicFileOutput output, bool async)
    {
        if (async)
        {
            await output.CommitAsync(_durable).ConfigureAwait(false);
        }
        else
        {
            output.Commit(_durable);
        }
    }

    private async ValueTask CleanUpAsync()
    {
        foreach (AtomicFileOutput? output in _held)
        {
            if (output is not null)
            {
                await output.DisposeAsync().ConfigureAwait(false);
            }
        }
        foreach (string? path in _staged)
        {
            if (path is not null)
            {
                File.Delete(path);
            }
        }
    }
}
