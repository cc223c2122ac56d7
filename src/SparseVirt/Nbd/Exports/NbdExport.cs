using SparseVirt.BlockSources;

namespace SparseVirt.Nbd;

/// <summary>
/// One disk an <see cref="NbdServer"/> offers, by name: a block source, read-only unless made writable, in which case
/// writes go to a copy-on-write overlay and the source is never written. Immutable; vary it with the <c>With...</c>
/// methods.
/// </summary>
public sealed record NbdExport
{
    /// <summary>Offers <paramref name="source"/> as the export <paramref name="name"/>, read-only.</summary>
    /// <param name="name">The name clients ask for (UTF-8, at most 4096 bytes, no NUL); the empty name is allowed.</param>
    /// <param name="source">The disk; the caller keeps it alive (and disposes it) after the server stops.</param>
    public NbdExport(string name, IBlockSource source)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(source);
        Name = name;
        Source = source;
    }

    /// <summary>The name clients ask for.</summary>
    public string Name { get; private init; }

    /// <summary>The disk served.</summary>
    public IBlockSource Source { get; private init; }

    /// <summary>Free text shown by <c>nbdinfo --list</c>, or <see langword="null"/>.</summary>
    public string? Description { get; private init; }

    /// <summary>Whether clients may write; writes land in an overlay, never in <see cref="Source"/>.</summary>
    public bool Writable { get; private init; }

    /// <summary>
    /// The file that holds the overlay of a writable export, or <see langword="null"/> for a temporary one that no
    /// directory lists and that vanishes with the server. Created when the server starts if missing; an existing one is
    /// reopened with every write flushed (or FUA) before the last server stopped or was killed, and refused with an
    /// <see cref="InvalidDataException"/>, untouched, when it is not an overlay of this source (see docs/nbd.md).
    /// </summary>
    public string? OverlayPath { get; private init; }

    /// <summary>Whether the server starts the overlay file over (<see cref="WithOverlayReset"/>).</summary>
    public bool ResetOverlay { get; private init; }

    /// <summary>Whether a reset keeps the old overlay file as <c>NAME.bak-TIMESTAMP</c>.</summary>
    public bool KeepOverlayBackup { get; private init; } = true;

    /// <summary>A copy with name <paramref name="value"/>.</summary>
    public NbdExport WithName(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        return this with { Name = value };
    }

    /// <summary>A copy with description <paramref name="value"/>.</summary>
    public NbdExport WithDescription(string? value) => this with { Description = value };

    /// <summary>A copy that is writable (through an overlay) or read-only.</summary>
    public NbdExport WithWritable(bool value = true) => this with { Writable = value };

    /// <summary>A copy whose overlay is the file <paramref name="value"/> (only for writable exports), or a temporary one.</summary>
    public NbdExport WithOverlayPath(string? value) => this with { OverlayPath = value };

    /// <summary>
    /// A copy whose overlay file is started over when the server starts: the old file is moved to
    /// <c>NAME.bak-yyyyMMddTHHmmssZ</c>, or deleted when <paramref name="keepBackup"/> is false. Only as the user asks.
    /// </summary>
    public NbdExport WithOverlayReset(bool keepBackup = true) => this with { ResetOverlay = true, KeepOverlayBackup = keepBackup };
}
