using Microsoft.Win32.SafeHandles;

namespace SparseVirt;

/// <summary>
/// An output file written beside its destination and renamed over it only by <see cref="Commit()"/>: a failure or
/// cancellation before that leaves the destination untouched and removes the temporary file, so an existing file is
/// never clobbered by a half-written one. Shared by every area that writes a file (sparse outputs, composed disks,
/// cached QEMU probes, overlay records).
/// </summary>
/// <remarks>
/// On Linux the file is unnamed while it is written (<c>O_TMPFILE</c>), so a process killed even by SIGKILL leaves
/// nothing behind; <see cref="Commit()"/> names it (<c>linkat</c> of <c>/proc/self/fd/N</c>) and renames it into place.
/// Where the file system has no <c>O_TMPFILE</c> (or /proc is missing) it falls back to a hidden named temporary file,
/// <c>.NAME.RANDOM.tmp</c>, which a SIGKILL can leave behind. <see cref="Commit(bool)"/> with durable set also fsyncs
/// the file before it is named and the folder after the rename.
/// </remarks>
internal sealed class AtomicFileOutput : IDisposable, IAsyncDisposable
{
    private readonly string _temporaryPath;
    private readonly bool _unnamed;
    private FileStream? _stream;
    private bool _committed;

    private AtomicFileOutput(string destinationPath, string temporaryPath, FileStream stream, bool unnamed)
    {
        DestinationPath = destinationPath;
        _temporaryPath = temporaryPath;
        _stream = stream;
        _unnamed = unnamed;
    }

    /// <summary>The path the output gets on <see cref="Commit()"/>.</summary>
    public string DestinationPath { get; }

    /// <summary>The temporary file's path while the output is being written (the name it gets at commit when it is unnamed).</summary>
    public string TemporaryPath => _temporaryPath;

    /// <summary>Whether the file has no name while it is written (<c>O_TMPFILE</c>).</summary>
    public bool IsUnnamed => _unnamed;

    /// <summary>The temporary file, opened for writing (and reading), empty.</summary>
    public FileStream Stream => _stream ?? throw new ObjectDisposedException(nameof(AtomicFileOutput));

    /// <summary>The temporary file's handle, for positional writes.</summary>
    public SafeFileHandle Handle => Stream.SafeFileHandle;

    /// <summary>Creates an empty temporary file in the destination's folder (which must exist).</summary>
    /// <param name="destinationPath">Where the finished output goes.</param>
    /// <param name="async">Open the file for asynchronous I/O.</param>
    public static AtomicFileOutput Create(string destinationPath, bool async = false)
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
        if (OpenUnnamed(folder) is { } unnamed)
        {
            // Synchronous handle: .NET runs async calls on it as it does for any file on Unix (no kernel AIO).
            return new AtomicFileOutput(fullPath, temporaryPath, new FileStream(unnamed, FileAccess.ReadWrite, bufferSize: 0), unnamed: true);
        }
        var stream = new FileStream(temporaryPath, new FileStreamOptions
        {
            Mode = FileMode.CreateNew,
            Access = FileAccess.ReadWrite,
            Share = FileShare.None,
            Options = async ? FileOptions.Asynchronous : FileOptions.None,
            BufferSize = 0,
        });
        return new AtomicFileOutput(fullPath, temporaryPath, stream, unnamed: false);
    }

    private static SafeFileHandle? OpenUnnamed(string folder)
    {
        if (!OperatingSystem.IsLinux() || Environment.GetEnvironmentVariable("SPARSEVIRT_NO_TMPFILE") == "1")
        {
            return null;
        }
        int descriptor = Interop.Libc.OpenWithMode(folder, Interop.Libc.OpenTemporaryFile | Interop.Libc.OpenReadWrite | Interop.Libc.OpenCloseOnExec, 0x1A4 /* 0644 */);
        // EOPNOTSUPP, EISDIR or EINVAL where the file system (or an old kernel) has no O_TMPFILE: the named path serves.
        return descriptor < 0 ? null : new SafeFileHandle(descriptor, ownsHandle: true);
    }

    /// <summary>Names the unnamed file at the temporary path while its descriptor is still open.</summary>
    private void Name(FileStream stream)
    {
        if (!_unnamed)
        {
            return;
        }
        string self = "/proc/self/fd/" + stream.SafeFileHandle.DangerousGetHandle().ToInt64().ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (Interop.Libc.LinkAt(Interop.Libc.AtCurrentWorkingDirectory, self, Interop.Libc.AtCurrentWorkingDirectory, _temporaryPath, Interop.Libc.AtSymlinkFollow) != 0)
        {
            throw Interop.Errno.LastErrorToException($"Cannot name the finished output (linkat of {self}) as", _temporaryPath);
        }
    }

    /// <summary>Flushes and closes the temporary file and renames it over the destination.</summary>
    public void Commit() => Commit(durable: false);

    /// <summary>
    /// As <see cref="Commit()"/>; with <paramref name="durable"/>, the data is fsynced before the file is named and the
    /// folder after the rename, so the new file, and nothing else, is there after a power loss too.
    /// </summary>
    public void Commit(bool durable)
    {
        FileStream stream = Stream;
        stream.Flush(flushToDisk: durable);
        Name(stream);
        stream.Dispose();
        _stream = null;
        File.Move(_temporaryPath, DestinationPath, overwrite: true);
        _committed = true;
        if (durable)
        {
            FolderSync.OfFile(DestinationPath);
        }
    }

    /// <summary>Flushes and closes the temporary file asynchronously and renames it over the destination.</summary>
    /// <param name="durable">As for <see cref="Commit(bool)"/>: fsync the data before naming and the folder after.</param>
    public async Task CommitAsync(bool durable = false)
    {
        FileStream stream = Stream;
        await stream.FlushAsync().ConfigureAwait(false);
        if (durable)
        {
            stream.Flush(flushToDisk: true);
        }
        Name(stream);
        await stream.DisposeAsync().ConfigureAwait(false);
        _stream = null;
        File.Move(_temporaryPath, DestinationPath, overwrite: true);
        _committed = true;
        if (durable)
        {
            FolderSync.OfFile(DestinationPath);
        }
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
