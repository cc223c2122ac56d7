using System.Buffers;

namespace SparseVirt.BlockSources;

/// <summary>
/// A <see cref="Memory{T}"/> over a span the caller has pinned (<c>fixed</c>), so a sync <c>Read(Span&lt;byte&gt;)</c>
/// can run the one <c>ReadCoreAsync(Memory&lt;byte&gt;, bool async, ...)</c> core with <c>async: false</c> without
/// copying through a rented buffer (<see cref="RunSync{TState}"/>). Valid only inside the <c>fixed</c> block; the sync path never lets the memory
/// escape it, as the core has completed when <see cref="SyncPath.Complete(ValueTask)"/> returns.
/// </summary>
internal sealed unsafe class SpanMemory : MemoryManager<byte>
{
    private readonly byte* _pointer;
    private readonly int _length;

    /// <summary>Wraps <paramref name="length"/> bytes at the pinned <paramref name="pointer"/>.</summary>
    public SpanMemory(byte* pointer, int length)
    {
        _pointer = pointer;
        _length = length;
    }

    /// <summary>
    /// The sync entry of the pattern for a span: pins <paramref name="span"/>, runs <paramref name="core"/> over it
    /// (a core called with <c>async: false</c>) and ends it with <see cref="SyncPath.Complete(ValueTask)"/>.
    /// </summary>
    public static void RunSync<TState>(Span<byte> span, TState state, Func<TState, Memory<byte>, ValueTask> core)
    {
        fixed (byte* pointer = span)
        {
            using var memory = new SpanMemory(pointer, span.Length);
            SyncPath.Complete(core(state, memory.Memory));
        }
    }

    /// <summary>Like <see cref="RunSync{TState}"/>, for a core with a result.</summary>
    public static TResult RunSync<TState, TResult>(Span<byte> span, TState state, Func<TState, Memory<byte>, ValueTask<TResult>> core)
    {
        fixed (byte* pointer = span)
        {
            using var memory = new SpanMemory(pointer, span.Length);
            return SyncPath.Complete(core(state, memory.Memory));
        }
    }

    /// <inheritdoc/>
    public override Span<byte> GetSpan() => new(_pointer, _length);

    /// <inheritdoc/>
    public override MemoryHandle Pin(int elementIndex = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(elementIndex);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(elementIndex, _length);
        return new MemoryHandle(_pointer + elementIndex);
    }

    /// <inheritdoc/>
    public override void Unpin()
    {
        // The caller's fixed block holds the pin.
    }

    /// <inheritdoc/>
    protected override void Dispose(bool disposing)
    {
        // Nothing is owned.
    }
}
