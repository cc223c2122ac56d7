using System.Buffers;
using Microsoft.Win32.SafeHandles;
using SparseVirt.Sparse.IO;

namespace SparseVirt.Sparse;

/// <summary>
/// Expanded output written with positional I/O into a file: a fresh regular file (the temporary file beside the
/// destination), which is sized up front so that zero ranges and DONT_CARE stay holes, or a block device, which is
/// written in place (every defined byte, zeros included; DONT_CARE leaves what is there). It owns the file: the
/// temporary file is renamed over the destination by <see cref="CommitAsync"/> and removed on disposal without one.
/// </summary>
internal sealed class FileRawDestination : RawDestination
{
    // A gather write takes this many pattern buffers at once: fewer system calls for long FILL chunks.
    private const int RepeatsPerGatherWrite = 8;

    private readonly SafeFileHandle _handle;

    /// <summary>fsync before success is reported (<see cref="SparseExpandOptions.Durable"/>).</summary>
    private bool Durable { get; init; }
    private readonly AtomicFileOutput? _temporaryFile;
    private readonly bool _isRegularFile;
    private readonly string _description;
    private readonly List<ReadOnlyMemory<byte>> _gather = new(RepeatsPerGatherWrite);
    private bool _rangesAreFresh;

    private FileRawDestination(SafeFileHandle handle, AtomicFileOutput? temporaryFile, string description)
    {
        _handle = handle;
        _temporaryFile = temporaryFile;
        _isRegularFile = temporaryFile is not null;
        _description = description;
    }

    /// <summary>Creates the temporary file beside <paramref name="path"/> (whose folder must exist) that <see cref="CommitAsync"/> renames over it.</summary>
    public static FileRawDestination CreateTemporary(string path, bool durable)
    {
        AtomicFileOutput temporary = AtomicFileOutput.Create(path);
        return new FileRawDestination(temporary.Handle, temporary, path) { Durable = durable };
    }

    /// <summary>Opens an existing block device, written in place.</summary>
    public static FileRawDestination OpenBlockDevice(string path, bool durable) =>
        new(File.OpenHandle(path, FileMode.Open, FileAccess.Write, FileShare.ReadWrite), null, $"block device {path}") { Durable = durable };

    public override string Description => _description;

    public override SafeFileHandle? KernelCopyTarget => _handle;

    public override ValueTask BeginPieceAsync(long rawLength, int pieceIndex, bool async, CancellationToken cancellationToken)
    {
        if (_isRegularFile)
        {
            // As simg2img does (ftruncate after each piece), the file takes each piece's length; sizing it first makes
            // everything not written a hole. Only the first piece lands on a file known to be all holes.
            RandomAccess.SetLength(_handle, rawLength);
            _rangesAreFresh = pieceIndex == 0;
        }
        return ValueTask.CompletedTask;
    }

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> data, long offset, bool async, CancellationToken cancellationToken)
    {
        if (async)
        {
            return RandomAccess.WriteAsync(_handle, data, offset, cancellationToken);
        }
        RandomAccess.Write(_handle, data.Span, offset);
        return ValueTask.CompletedTask;
    }

    public override ValueTask WriteAsync(ReadOnlySequence<byte> data, long offset, bool async, CancellationToken cancellationToken)
    {
        if (data.IsSingleSegment)
        {
            return WriteAsync(data.First, offset, async, cancellationToken);
        }

        // One pwritev for the whole range, straight from the pipe's buffers.
        _gather.Clear();
        foreach (ReadOnlyMemory<byte> segment in data)
        {
            if (!segment.IsEmpty)
            {
                _gather.Add(segment);
            }
        }
        return WriteGatheredAsync(offset, async, cancellationToken);
    }

    public override ValueTask ZeroAsync(long offset, long length, bool async, CancellationToken cancellationToken)
    {
        if (_rangesAreFresh)
        {
            return ValueTask.CompletedTask;
        }
        if (_isRegularFile && FileSpace.TryPunch(_handle, offset, length))
        {
            return ValueTask.CompletedTask;
        }
        return WriteZerosAsync(offset, length, async, cancellationToken);
    }

    public override ValueTask SkipAsync(long offset, long length, bool async, CancellationToken cancellationToken) => ValueTask.CompletedTask;

    public override ValueTask CompleteAsync(long rawLength, bool async, CancellationToken cancellationToken) => ValueTask.CompletedTask;

    public override async ValueTask CommitAsync(bool async)
    {
        if (_temporaryFile is null)
        {
            if (Durable)
            {
                // A block device written in place: its data reaches the device before success is reported.
                RandomAccess.FlushToDisk(_handle);
            }
            return;
        }
        if (async)
        {
            await _temporaryFile.CommitAsync(Durable).ConfigureAwait(false);
        }
        else
        {
            _temporaryFile.Commit(Durable);
        }
    }

    public override async ValueTask DisposeAsync()
    {
        if (_temporaryFile is not null)
        {
            await _temporaryFile.DisposeAsync().ConfigureAwait(false);
        }
        else
        {
            _handle.Dispose();
        }
    }

    protected override async ValueTask WriteRepeatedAsync(ReadOnlyMemory<byte> pattern, long offset, long length, bool async, CancellationToken cancellationToken)
    {
        long gatherBytes = (long)pattern.Length * RepeatsPerGatherWrite;
        while (length >= gatherBytes)
        {
            cancellationToken.ThrowIfCancellationRequested();
            _gather.Clear();
            for (int i = 0; i < RepeatsPerGatherWrite; i++)
            {
                _gather.Add(pattern);
            }
            await WriteGatheredAsync(offset, async, cancellationToken).ConfigureAwait(false);
            offset += gatherBytes;
            length -= gatherBytes;
        }
        await base.WriteRepeatedAsync(pattern, offset, length, async, cancellationToken).ConfigureAwait(false);
    }

    private ValueTask WriteGatheredAsync(long offset, bool async, CancellationToken cancellationToken)
    {
        if (async)
        {
            return RandomAccess.WriteAsync(_handle, _gather, offset, cancellationToken);
        }
        RandomAccess.Write(_handle, _gather, offset);
        return ValueTask.CompletedTask;
    }
}
