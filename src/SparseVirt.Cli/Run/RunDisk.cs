using System.Globalization;
using SparseVirt.Qemu;
using SparseVirt.Sparse;

namespace SparseVirt.Cli.Run;

/// <summary>How a disk of <c>run</c> reaches QEMU.</summary>
internal enum RunDiskKind
{
    /// <summary>The --gpt disk, composed of its partitions and served over NBD.</summary>
    ComposedGpt,

    /// <summary>An Android sparse image served over NBD straight from its chunk table.</summary>
    ServedSparse,

    /// <summary>An Android sparse image expanded into the cache (--expand); QEMU reads the copy.</summary>
    ExpandedSparse,

    /// <summary>A raw or qcow2 image QEMU reads itself.</summary>
    ImageFile,
}

/// <summary>
/// One disk of a <see cref="RunPlan"/>, classified once: its kind, the overlay that goes with it, its place in the
/// boot order, and for a served disk its export name (known before the server starts).
/// </summary>
internal sealed record RunDisk(RunDiskKind Kind, string Path, string? OverlayPath, int? BootIndex)
{
    /// <summary>The qcow2 magic, "QFI\xfb" (QEMU's <c>QCOW_MAGIC</c>).</summary>
    private static ReadOnlySpan<byte> Qcow2Magic => [(byte)'Q', (byte)'F', (byte)'I', 0xFB];

    /// <summary>The export of a served disk (<c>disk0</c>, <c>disk1</c>... in the order served), else null.</summary>
    public string? ExportName { get; init; }

    /// <summary>The format QEMU reads an <see cref="RunDiskKind.ImageFile"/> in.</summary>
    public QemuDiskFormat Format { get; init; } = QemuDiskFormat.Raw;

    public bool IsServed => Kind is RunDiskKind.ComposedGpt or RunDiskKind.ServedSparse;

    /// <summary>Names the export of the <paramref name="index"/>th served disk.</summary>
    public static string ExportNameOf(int index) => "disk" + index.ToString(CultureInfo.InvariantCulture);

    /// <summary>
    /// Classifies the disk at <paramref name="path"/> by its first bytes, read once: an Android sparse image (served,
    /// or expanded when <paramref name="expand"/>), a qcow2 image, or anything else as raw.
    /// </summary>
    /// <exception cref="FileNotFoundException">No file is there.</exception>
    public static RunDisk Classify(string path, bool expand, string? overlayPath, int? bootIndex)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"Disk '{path}' does not exist.", path);
        }
        Span<byte> header = stackalloc byte[4];
        using (FileStream stream = File.OpenRead(path))
        {
            header = header[..stream.ReadAtLeast(header, header.Length, throwOnEndOfStream: false)];
        }
        if (SparseImage.IsSparseImage(header))
        {
            return new RunDisk(expand ? RunDiskKind.ExpandedSparse : RunDiskKind.ServedSparse, path, overlayPath, bootIndex);
        }
        QemuDiskFormat format = header.SequenceEqual(Qcow2Magic) ? QemuDiskFormat.Qcow2 : QemuDiskFormat.Raw;
        return new RunDisk(RunDiskKind.ImageFile, path, overlayPath, bootIndex) { Format = format };
    }
}
