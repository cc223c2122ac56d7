using Microsoft.Extensions.Logging;
using Microsoft.Win32.SafeHandles;
using SparseVirt.Sparse.IO;

namespace SparseVirt.Sparse;

/// <summary>
/// The destination of an expansion named by a path, opened the way its kind needs:
/// a new or existing regular file is written as a temporary file beside it (sized, with holes) and renamed over it
/// on <see cref="CommitAsync"/>; an existing block device is written in place (it cannot be renamed over); any
/// other existing special file (a character device such as <c>/dev/null</c>, a FIFO) is written in order like a
/// stream. Disposing without a commit removes the temporary file and leaves an existing file as it was.
/// </summary>
internal sealed class RawPathOutput : IAsyncDisposable
{
    private readonly AtomicFileOutput? _temporaryFile;
    private readonly SafeFileHandle? _device;
    private readonly FileStream? _specialFile;

    private RawPathOutput(RawDestination destination, AtomicFileOutput? temporaryFile, SafeFileHandle? device, FileStream? specialFile)
    {
        Destination = destination;
        _temporaryFile = temporaryFile;
        _device = device;
        _specialFile = specialFile;
    }

    public RawDestination Destination { get; }

    public static RawPathOutput Open(string path, ILogger logger)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        FileKind kind = File.Exists(path) ? FileStatus.Of(path).Kind : FileKind.RegularFile;
        switch (kind)
        {
            case FileKind.BlockDevice:
                DecodingLog.WritingInPlace(logger, path, "block device");
                SafeFileHandle device = File.OpenHandle(path, FileMode.Open, FileAccess.Write, FileShare.ReadWrite);
                return new RawPathOutput(new FileRawDestination(device, isFreshRegularFile: false, $"block device {path}"), null, device, null);
            case FileKind.Other:
                DecodingLog.WritingInPlace(logger, path, "special file");
                var special = new FileStream(path, FileMode.Open, FileAccess.Write, FileShare.ReadWrite, bufferSize: 0);
                return new RawPathOutput(new StreamRawDestination(special, sequentialOnly: true), null, null, special);
            default:
                AtomicFileOutput temporary = AtomicFileOutput.Create(path);
                return new RawPathOutput(new FileRawDestination(temporary.Handle, isFreshRegularFile: true, path), temporary, null, null);
        }
    }

    /// <summary>Makes the output final: renames the temporary file over the destination (nothing to do for devices).</summary>
    public async ValueTask CommitAsync(bool useAsync)
    {
        if (_temporaryFile is null)
        {
            return;
        }
        if (useAsync)
        {
            await _temporaryFile.CommitAsync().ConfigureAwait(false);
        }
        else
        {
            _temporaryFile.Commit();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_temporaryFile is not null)
        {
            await _temporaryFile.DisposeAsync().ConfigureAwait(false);
        }
        _device?.Dispose();
        if (_specialFile is not null)
        {
            await _specialFile.DisposeAsync().ConfigureAwait(false);
        }
    }
}
