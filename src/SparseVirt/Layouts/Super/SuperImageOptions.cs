using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace SparseVirt.Layouts.Super;

/// <summary>How a super image is read: which metadata slot, and where diagnostics go. Vary with the <c>With...</c> methods.</summary>
public sealed record SuperImageOptions
{
    /// <summary>Slot 0, no logging.</summary>
    public static SuperImageOptions Default { get; } = new();

    /// <summary>The metadata slot to read (0 is <c>_a</c>, 1 is <c>_b</c>); must be below the geometry's slot count.</summary>
    public uint Slot { get; private init; }

    /// <summary>Receives warnings (a damaged primary copy) and debug details.</summary>
    public ILogger Logger { get; private init; } = NullLogger.Instance;

    /// <summary>Returns a copy that reads slot <paramref name="slot"/>.</summary>
    public SuperImageOptions WithSlot(uint slot) => this with { Slot = slot };

    /// <summary>Returns a copy that logs to <paramref name="logger"/>.</summary>
    public SuperImageOptions WithLogger(ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(logger);
        return this with { Logger = logger };
    }
}

/// <summary>Which copy of a slot's metadata was read.</summary>
public enum LpMetadataCopy
{
    /// <summary>The primary copy.</summary>
    Primary,

    /// <summary>The backup copy (the primary failed its checks).</summary>
    Backup,

    /// <summary>The only copy of a <c>super_empty.img</c> (geometry at 0, metadata right after it).</summary>
    EmptyImage,
}
