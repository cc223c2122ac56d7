using Microsoft.Win32.SafeHandles;

namespace SparseVirt.Sparse;

/// <summary>
/// Where a sparse image is written: appended to in order, with a few earlier bytes patched afterwards (the file
/// header's counts, a RAW chunk header whose length is known only when the run ends). Headers and other small
/// writes are gathered in a buffer; payloads go straight through.
/// </summary>
internal abstract class SparseOutput : IAsyncDisposable, IDisposable
{
    private const int SmallWriteLimit = 4096;
    private readonly byte[] _buffer = new byte[64 * 1024];
    private int _buffered;
    private long _flushed;

    /// <summary>The offset the next appended byte goes to.</summary>
    public long Position => _flushed + _buffered;

    /// <summary>Appends <paramref name="data"/>.</summary>
    public async ValueTask WriteAsync(ReadOnlyMemory<byte> data, bool async, CancellationToken cancellationToken)
    {
        if (data.Length <= SmallWriteLimit)
        {
            await WriteSmallAsync(data, async, cancellationToken).ConfigureAwait(false);
            return;
        }

        await FlushAsync(async, cancellationToken).ConfigureAwait(false);
        await WriteAtCoreAsync(_flushed, data, async, cancellationToken).ConfigureAwait(false);
        _flushed += data.Length;
    }

    /// <summary>Appends a small piece (at most 64 KiB), always through the buffer.</summary>
    public async ValueTask WriteSmallAsync(ReadOnlyMemory<byte> data, bool async, CancellationToken cancellationToken)
    {
        if (_buffered + data.Length > _buffer.Length)
        {
            await FlushAsync(async, cancellationToken).ConfigureAwait(false);
        }
        data.Span.CopyTo(_buffer.AsSpan(_buffered));
        _buffered += data.Length;
    }

    /// <summary>Overwrites bytes written earlier at <paramref name="offset"/>.</summary>
    public async ValueTask PatchAsync(long offset, ReadOnlyMemory<byte> data, bool async, CancellationToken cancellationToken)
    {
        if (offset >= _flushed)
        {
            data.Span.CopyTo(_buffer.AsSpan((int)(offset - _flushed)));
            return;
        }
        if (offset + data.Length > _flushed)
        {
            // Straddles the flushed part and the buffer: flush first, then one positional write.
            await FlushAsync(async, cancellationToken).ConfigureAwait(false);
        }
        await WriteAtCoreAsync(offset, data, async, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Writes out the buffered bytes.</summary>
    public async ValueTask FlushAsync(bool async, CancellationToken cancellationToken)
    {
        if (_buffered > 0)
        {
            await WriteAtCoreAsync(_flushed, _buffer.AsMemory(0, _buffered), async, cancellationToken).ConfigureAwait(false);
            _flushed += _buffered;
            _buffered = 0;
        }
    }

    /// <summary>
    /// Appends <paramref name="length"/> bytes of the file <paramref name="source"/> from <paramref name="offset"/>
    /// inside the kernel where the output is a file that allows it.
    /// </summary>
    /// <returns>The bytes appended that way (the caller appends the rest itself); 0 when the output cannot.</returns>
    public async ValueTask<long> AppendFromFileAsync(SafeFileHandle source, long offset, long length, bool async, CancellationToken cancellationToken)
    {
        await FlushAsync(async, cancellationToken).ConfigureAwait(false);
        long copied = CopyFromFileCore(source, offset, _flushed, length, cancellationToken);
        _flushed += copied;
        return copied;
    }

    /// <summary>Copies file bytes to <paramref name="destinationOffset"/> of the output inside the kernel; returns how many (0: not supported).</summary>
    protected virtual long CopyFromFileCore(SafeFileHandle source, long sourceOffset, long destinationOffset, long length, CancellationToken cancellationToken) => 0;

    /// <summary>Writes <paramref name="data"/> at <paramref name="offset"/> of the output.</summary>
    protected abstract ValueTask WriteAtCoreAsync(long offset, ReadOnlyMemory<byte> data, bool async, CancellationToken cancellationToken);

    /// <inheritdoc />
    public virtual void Dispose()
    {
    }

    /// <inheritdoc />
    public virtual ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
