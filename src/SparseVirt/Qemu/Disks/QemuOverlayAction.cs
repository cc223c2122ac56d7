namespace SparseVirt.Qemu.Disks;

/// <summary>What <see cref="QemuOverlayFiles.EnsureAsync"/> did with the overlay file.</summary>
public enum QemuOverlayAction
{
    /// <summary>There was no overlay; a new, empty one was created.</summary>
    Created,

    /// <summary>The overlay exists over the same backing as when it was made, and was kept with the guest's writes.</summary>
    Reused,

    /// <summary>The caller asked to start over (<see cref="QemuOverlayFiles.ResetAsync"/>): the old overlay was moved aside (or deleted) and an empty one created.</summary>
    Recreated,

    /// <summary>An overlay without our record (made by <c>qemu-img create</c>) whose header names this backing and format was taken over as it is, and a record written.</summary>
    Adopted,
}

/// <summary>The outcome of <see cref="QemuOverlayFiles.EnsureAsync"/>.</summary>
/// <param name="Action">What was done.</param>
/// <param name="Reason">Why: how an overlay was adopted or reset, or <see langword="null"/>.</param>
/// <param name="BackupPath">Where a reset overlay's old file was kept (<c>NAME.bak-TIMESTAMP</c>), or <see langword="null"/>.</param>
public sealed record QemuOverlayPreparation(QemuOverlayAction Action, string? Reason, string? BackupPath = null);
