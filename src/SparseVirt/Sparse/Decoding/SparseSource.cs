using System.IO.Pipelines;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Win32.SafeHandles;
using SparseVirt.Sparse.IO;

namespace SparseVirt.Sparse;

/// <summary>
/// What <see cref="SparseImage.ToRaw(SparseSource, string, SparseExpandOptions?, IProgress{SparseExpandProgress}?, CancellationToken)"/>
/// expands: the image at a path, several pieces overlaid in order, or an image read from a stream or an open
/// descriptor (seekable or not: a pipe, standard input, a socket). A path, an array of paths, a stream and a handle
/// convert to it implicitly, so <c>SparseImage.ToRaw("system.simg", "system.raw")</c> reads as it says.
/// </summary>
public sealed class SparseSource
{
    private readonly string[]? _paths;
    private readonly Stream? _stream;
    private readonly SafeFileHandle? _handle;

    private SparseSource(string[]? paths, Stream? stream, SafeFileHandle? handle)
    {
        _paths = paths;
        _stream = stream;
        _handle = handle;
    }

    /// <summary>The sparse image at <paramref name="path"/>.</summary>
    public static SparseSource FromPath(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        return new SparseSource([path], null, null);
    }

    /// <summary>
    /// Several sparse images expanded into one output, in order, each overlaying the ones before, as
    /// <c>simg2img a b c out</c> does: split pieces (from <c>simg2simg</c> or a split) reassemble into the whole. Each
    /// piece's DONT_CARE ranges keep what earlier pieces wrote; the output ends at the last piece's expanded length.
    /// Every piece is opened and validated before anything is written; errors start with the piece's path.
    /// </summary>
    public static SparseSource FromPaths(IEnumerable<string> paths)
    {
        ArgumentNullException.ThrowIfNull(paths);
        string[] all = [.. paths];
        if (all.Length == 0)
        {
            throw new ArgumentException("At least one sparse image is needed.", nameof(paths));
        }
        foreach (string path in all)
        {
            ArgumentException.ThrowIfNullOrEmpty(path, nameof(paths));
        }
        return new SparseSource(all, null, null);
    }

    /// <summary>
    /// The image read from <paramref name="stream"/>, from its position. A seekable stream is opened as an image (chunk
    /// table first); any other is decoded front to back without buffering more than a batch. It is not closed.
    /// </summary>
    public static SparseSource FromStream(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        return new SparseSource(null, stream, null);
    }

    /// <summary>
    /// The image read from the open file, pipe or socket <paramref name="handle"/>, from its current position. On
    /// Linux, when it is a pipe and the output a file, RAW payloads move from the pipe to the file inside the kernel
    /// (<c>splice(2)</c>) and only the headers are read into memory (checksum verification needs every byte in memory
    /// and reads them). A seekable file is opened as an image. The handle is neither closed nor read past the
    /// image's last chunk.
    /// </summary>
    public static SparseSource FromHandle(SafeFileHandle handle)
    {
        ArgumentNullException.ThrowIfNull(handle);
        return new SparseSource(null, null, handle);
    }

    /// <summary>The sparse image at <paramref name="path"/> (<see cref="FromPath"/>).</summary>
    public static implicit operator SparseSource(string path) => FromPath(path);

    /// <summary>Several pieces overlaid in order (<see cref="FromPaths"/>).</summary>
    public static implicit operator SparseSource(string[] paths) => FromPaths(paths);

    /// <summary>The image read from <paramref name="stream"/> (<see cref="FromStream"/>).</summary>
    public static implicit operator SparseSource(Stream stream) => FromStream(stream);

    /// <summary>The image read from <paramref name="handle"/> (<see cref="FromHandle"/>).</summary>
    public static implicit operator SparseSource(SafeFileHandle handle) => FromHandle(handle);

    /// <summary>True when the chunks come from a pipe by splice, which blocks in system calls (an asynchronous expansion runs it off the caller's thread).</summary>
    internal bool Blocks(SparseExpandOptions? options) => _handle is not null && SpliceChunkSource.CanUse(_handle, options);

    /// <summary>The chunk source for this input; <paramref name="async"/>: the expansion is asynchronous (a synchronous one reads a non-seekable stream inline).</summary>
    internal ChunkSource CreateChunkSource(SparseExpandOptions? options, bool async)
    {
        ILogger logger = options?.Logger ?? NullLogger.Instance;
        if (_paths is not null)
        {
            return ImageChunkSource.OfPaths(_paths, logger);
        }
        if (_stream is not null)
        {
            return ForStream(_stream, async ? _stream : new InlineReadStream(_stream, leaveOpen: true), logger);
        }
        if (SpliceChunkSource.CanUse(_handle!, options))
        {
            return new SpliceChunkSource(_handle!, logger);
        }

        // A stream over the same descriptor that does not own it, so the caller's handle stays open (a FileStream
        // closes the handle it is given): a seekable file is read as an image, the rest in order, inline.
        var lease = new HandleLease(_handle!);
        ChunkSource source = ForStream(lease.File, new InlineReadStream(lease.File, leaveOpen: true), logger);
        source.Owned = lease;
        return source;
    }

    private static ChunkSource ForStream(Stream stream, Stream sequential, ILogger logger) =>
        stream.CanSeek
            ? ImageChunkSource.OfStream(stream, logger)
            : new PipeReaderChunkSource(PipeReader.Create(sequential, SparsePipeDecoder.ReaderOptions(leaveOpen: true)), ownsReader: true, logger);

    /// <summary>A stream over a caller's descriptor that does not own it, with the handle kept from being released while it is read.</summary>
    private sealed class HandleLease : IDisposable
    {
        private readonly SafeFileHandle _handle;
        private bool _added;

        public HandleLease(SafeFileHandle handle)
        {
            _handle = handle;
            handle.DangerousAddRef(ref _added);
            File = new FileStream(new SafeFileHandle(handle.DangerousGetHandle(), ownsHandle: false), FileAccess.Read, bufferSize: 0);
        }

        public FileStream File { get; }

        public void Dispose()
        {
            File.Dispose();
            if (_added)
            {
                _added = false;
                _handle.DangerousRelease();
            }
        }
    }
}
