using Microsoft.Win32.SafeHandles;

namespace SparseVirt;

/// <summary>
/// An output file written under a temporary name beside its destination and renamed over it only by
/// <see cref="Commit"/>: a failure or cancellation before that leaves the destination untouched and removes the
/// temporary file, so an existing file is never clobbered by a half-written one. Shared by every area that writes
/// a file (sparse outputs, composed disks, cached QEMU probes).
/// </summary>
internal sealed class AtomicFileOutput : IDisposable, IAsyncDisposable
{
    private readonly string _temporaryPath;
    private FileStream? _stream;
    private bool _committed;

    private AtomicFileOutput(string destinationPath, string temporaryPath, FileStream stream)
    {
        DestinationPath = destinationPath;
        _temporaryPath = temporaryPath;
        _stream = stream;
    }

    /// <summary>The path the output gets on <see cref="Commit"/>.</summary>
    public string DestinationPath { get; }

    /// <summary>The temporary file's path while the output is being written.</summary>
    public string TemporaryPath => _temporaryPath;

    /// <summary>The temporary file, opened for writing (and reading), empty.</summary>
    public FileStream Stream => _stream ?? throw new ObjectDisposedException(nameof(AtomicFileOutput));

    /// <summary>The temporary file's handle, for positional writes.</summary>
    public SafeFileHandle Handle => Stream.SafeFileHandle;

    /// <summary>Creates an empty temporary file in the destination's folder (which must exist).</summary>
    /// <param name="destinationPath">Where the finished output goes.</param>
    /// <param name="asynchronous">Open the file for asynchronous I/O.</param>
    public static AtomicFileOutput Create(string destinationPath, bool asynchronous = false)
    {
        ArgumentException.ThrowIfNullOrEmpty(destinationPath);
        string fullPath = Path.GetFullPath(destinationPath);
        string folder = Path.GetDirectoryName(fullPath) ?? throw new ArgumentException($"'{destinationPath}' has no parent folder.", nameof(destinationPath));
        if (!Directory.Exists(folder))
        {
            throw new DirectoryNotFoundException($"Cannot write '{destinationPath}': the folder '{folder}' does not exist.");
        }
        if (Directory.Exists(fullPath))
        {
            throw new IOException($"Cannot write '{destinationPath}': it is a folder.");
        }

        // Hidden, and named after the destination, so a leftover from a killed process is recognizable.
        string temporaryPath = Path.Combine(folder, $".{Path.GetFileName(fullPath)}.{Guid.NewGuid():N}.tmp");
        var stream = new FileStream(temporaryPath, new FileStreamOptions
        {
            Mode = FileMode.CreateNew,
            Access = FileAccess.ReadWrite,
            Share = FileShare.None,
            Options = asynchronous ? FileOptions.Asynchronous : FileOptions.None,
            BufferSize = 0,
        });
        return new AtomicFileOutput(fullPath, temporaryPath, stream);
    }

    /// <summary>Flushes and closes the temporary file and renames it over the destination.</summary>
    public void Commit()
    {
        FileStream stream = Stream;
        stream.Flush(flushToDisk: false);
        stream.Dispose();
        _stream = null;
        File.Move(_temporaryPath, DestinationPath, overwrite: true);
        _committed = true;
    }

    /// <summary>Flushes and closes the temporary file asynchronously and renames it over the destination.</summary>
    public async Task CommitAsync()
    {
        FileStream stream = Stream;
        await stream.FlushAsync().ConfigureAwait(false);
        await stream.DisposeAsync().ConfigureAwait(false);
        _stream = null;
        File.Move(_temporaryPath, DestinationPath, overwrite: true);
        _committed = true;
    }

    /// <summary>Closes the file; without a commit, the temporary file is deleted and the destination left as it was.</summary>
    public void Dispose()
    {
        _stream?.Dispose();
        _stream = null;
        DeleteUncommitted();
    }

    /// <inheritdoc cref="Dispose"/>
    public async ValueTask DisposeAsync()
    {
        if (_stream is not null)
        {
            await _stream.DisposeAsync().ConfigureAwait(false);
            _stream = null;
        }
        DeleteUncommitted();
    }

    private void DeleteUncommitted()
    {
        if (!_committed)
        {
            try
            {
                File.Delete(_temporaryPath);
            }
            catch (IOException)
            {
                // Nothing more can be done; the name says what it is.
            }
            catch (UnauthorizedAccessException)
            {
            }
        }
    }
}
