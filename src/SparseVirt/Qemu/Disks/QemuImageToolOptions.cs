using Microsoft.Extensions.Logging;

namespace SparseVirt.Qemu.Disks;

/// <summary>Which <c>qemu-img</c> the overlay helpers run, and where they log. Immutable: the <c>With...</c> methods return changed copies.</summary>
public sealed record QemuImageToolOptions
{
    /// <summary>The default options: <c>qemu-img</c> found on <c>PATH</c>, no logging.</summary>
    public static QemuImageToolOptions Default { get; } = new();

    /// <summary>The <c>qemu-img</c> binary, or <see langword="null"/> to find it on <c>PATH</c>.</summary>
    public string? BinaryPath { get; private init; }

    /// <summary>Where overlay creation and reuse decisions are logged, or <see langword="null"/> for nowhere.</summary>
    public ILogger? Logger { get; private init; }

    /// <summary>A copy running the <c>qemu-img</c> at <paramref name="path"/>.</summary>
    public QemuImageToolOptions WithBinaryPath(string? path) => this with { BinaryPath = path };

    /// <summary>A copy logging to <paramref name="logger"/> (or nowhere).</summary>
    public QemuImageToolOptions WithLogger(ILogger? logger) => this with { Logger = logger };
}
