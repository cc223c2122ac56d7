namespace SparseVirt.Qemu.Disks;

/// <summary>
/// A writable qcow2 overlay over a read-only <see cref="Backing"/> (an image file, an NBD export or another overlay):
/// the guest's writes land in the overlay and the backing is never written. Create or reuse the file with
/// <see cref="QemuOverlayFiles.EnsureAsync"/>; the launch passes the backing node explicitly, so what the qcow2 header
/// names matters only to tools that open the overlay on their own.
/// </summary>
public sealed record QemuOverlay : QemuDiskSource
{
    /// <summary>The overlay file <paramref name="path"/> over <paramref name="backing"/>, naming it by an absolute path.</summary>
    public QemuOverlay(string path, QemuDiskSource backing)
    {
        Path = path;
        Backing = backing;
    }

    /// <summary>The qcow2 overlay file.</summary>
    public string Path { get; private init; }

    /// <summary>What the overlay is over.</summary>
    public QemuDiskSource Backing { get; private init; }

    /// <summary>How the overlay's header names a backing file when the overlay is created (absolute unless set).</summary>
    public QemuBackingPathStyle BackingPathStyle { get; private init; } = QemuBackingPathStyle.Absolute;

    /// <summary>
    /// The file whose content identifies the base, when the backing's reference does not: for an NBD export, the image
    /// the server serves (a sparse image's socket changes on every run; its file does not). Null: the backing file
    /// itself, or for an NBD export no content identity (the reference alone must match).
    /// </summary>
    public string? IdentitySource { get; private init; }

    /// <summary>A copy whose base is identified by the content of <paramref name="path"/> (see <see cref="IdentitySource"/>).</summary>
    public QemuOverlay WithIdentitySource(string? path) => this with { IdentitySource = path is null ? null : System.IO.Path.GetFullPath(path) };

    /// <summary>The file that identifies the base's content: <see cref="IdentitySource"/>, else the backing file; null for an NBD export without one.</summary>
    internal string? ContentIdentityPath() => IdentitySource ?? (Backing is QemuNbdExport ? null : System.IO.Path.GetFullPath(Backing.Describe()));

    /// <summary>A copy whose header names its backing file in style <paramref name="style"/>.</summary>
    public QemuOverlay WithBackingPathStyle(QemuBackingPathStyle style) => this with { BackingPathStyle = style };

    /// <inheritdoc/>
    public override string Describe() => Path;

    /// <summary>The backing's name as the overlay header should record it.</summary>
    internal string BackingReference()
    {
        string reference = Backing.Describe();
        if (Backing is QemuNbdExport || BackingPathStyle == QemuBackingPathStyle.Absolute)
        {
            return Backing is QemuNbdExport ? reference : System.IO.Path.GetFullPath(reference);
        }
        string overlayFolder = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(Path)) ?? "/";
        return System.IO.Path.GetRelativePath(overlayFolder, System.IO.Path.GetFullPath(reference));
    }

    /// <summary>The format of the backing's bytes, which the overlay header records explicitly (<c>-F</c>).</summary>
    internal QemuDiskFormat BackingFormat() => Backing switch
    {
        QemuImageFile file => file.Format,
        QemuNbdExport nbd => nbd.Format,
        _ => QemuDiskFormat.Qcow2,
    };
}
