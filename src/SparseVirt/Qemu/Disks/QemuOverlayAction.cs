namespace SparseVirt.Qemu.Disks;

/// <summary>What <see cref="QemuOverlayFiles.EnsureAsync"/> did with the overlay file.</summary>
public enum QemuOverlayAction
{
    /// <summary>There was no overlay; a new, empty one was created.</summary>
    Created,

    /// <summary>The overlay exists over the same backing as when it was made, and was kept with the guest's writes.</summary>
    Reused,

    /// <summary>The overlay existed but its backing changed (or it could not be checked); it was replaced by an empty one.</summary>
    Recreated,
}

/// <summary>The outcome of <see cref="QemuOverlayFiles.EnsureAsync"/>.</summary>
/// <param name="Action">What was done.</param>
/// <param name="Reason">Why an existing overlay was recreated, or <see langword="null"/>.</param>
public sealed record QemuOverlayPreparation(QemuOverlayAction Action, string? Reason);
