using System.Collections.Immutable;
using System.Globalization;
using SparseVirt.Qemu;
using SparseVirt.Qemu.Disks;
using SparseVirt.Sparse;

namespace SparseVirt.Cli.Run;

/// <summary>
/// What one <c>sparsevirt run</c> will do, decided before anything starts: every disk classified once (served over
/// NBD, expanded into the cache, or read by QEMU), the export names of the served ones, the machine QEMU is given
/// (all but its disks and accelerator), and the QEMU binary, resolved once. <see cref="RunRunner"/> carries it out.
/// </summary>
/// <param name="Request">What was asked (timeouts, overlay and retry choices...).</param>
/// <param name="Disks">The disks in boot order: the --gpt disk first, then the disks given.</param>
/// <param name="Machine">The machine without disks or accelerator; its binary resolved when QEMU was found.</param>
/// <param name="MissingBinary">Why QEMU was not found, or null: reported once the disks are ready (see --allow-no-qemu).</param>
internal sealed record RunPlan(RunRequest Request, ImmutableArray<RunDisk> Disks, QemuMachineDefinition Machine, QemuBinaryNotFoundException? MissingBinary)
{
    public bool HasServedDisks => Disks.Any(disk => disk.IsServed);

    /// <summary>Plans <paramref name="request"/>: usage errors, then a missing disk, fail here, before anything is opened.</summary>
    public static RunPlan Create(RunRequest request)
    {
        request.Validate();
        ImmutableArray<RunDisk> disks = ClassifyDisks(request);
        QemuMachineDefinition machine = DescribeMachine(request);
        try
        {
            return new RunPlan(request, disks, machine.WithBinaryPath(machine.ResolveBinaryPath()), null);
        }
        catch (QemuBinaryNotFoundException e)
        {
            return new RunPlan(request, disks, machine, e);
        }
    }

    private static ImmutableArray<RunDisk> ClassifyDisks(RunRequest request)
    {
        var disks = ImmutableArray.CreateBuilder<RunDisk>();
        int served = 0;
        // A kernel boots the guest; otherwise the disks do, in the order listed (BIOS boot indexes from 1).
        int? BootIndex() => request.Kernel is null ? disks.Count + 1 : null;
        if (request.GptPartitions.Length > 0)
        {
            disks.Add(new RunDisk(RunDiskKind.ComposedGpt, string.Join(' ', request.GptPartitions), null, BootIndex())
            {
                ExportName = RunDisk.ExportNameOf(served++),
                Interface = request.DiskInterfaceAt(0),
            });
        }
        for (int i = 0; i < request.Disks.Length; i++)
        {
            string? overlay = i < request.Overlays.Length ? request.Overlays[i] : null;
            RunDisk disk = RunDisk.Classify(request.Disks[i], request.Expand, overlay, BootIndex()) with { Interface = request.DiskInterfaceAt(disks.Count) };
            disks.Add(disk.IsServed ? disk with { ExportName = RunDisk.ExportNameOf(served++) } : disk);
        }
        return disks.ToImmutable();
    }

    private static QemuMachineDefinition DescribeMachine(RunRequest request)
    {
        QemuMachineDefinition definition = new QemuMachineDefinition(QemuArchitecture.X86_64)
            .WithMachineType(request.Machine)
            .WithMemory(request.Memory)
            .WithSmp(request.Cpus > 1 ? new QemuSmp(request.Cpus) : null)
            .WithName("sparsevirt")
            // Paused until the accelerator is known and the console is being read: a quick guest loses nothing.
            .WithStartPaused()
            .WithBinaryPath(request.QemuBinary)
            .WithSerial(request.Serial == "stdio" ? QemuSerialConsole.Captured : QemuSerialConsole.ToFile(Path.GetFullPath(request.Serial)));
        if (request.Kernel is not null)
        {
            definition = definition.WithKernelBoot(new QemuKernelBoot(Path.GetFullPath(request.Kernel), request.Initrd is null ? null : Path.GetFullPath(request.Initrd), request.Append));
        }
        if (request.Forwards.Length > 0)
        {
            var network = new QemuUserNetwork();
            foreach (QemuPortForward forward in request.Forwards)
            {
                network = network.WithPortForward(forward);
            }
            definition = definition.WithNetwork(network);
        }
        return definition;
    }
}

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
    /// <summary>The export of a served disk (<c>disk0</c>, <c>disk1</c>... in the order served), else null.</summary>
    public string? ExportName { get; init; }

    /// <summary>The format QEMU reads an <see cref="RunDiskKind.ImageFile"/> in.</summary>
    public QemuDiskFormat Format { get; init; } = QemuDiskFormat.Raw;

    /// <summary>The bus the guest sees this disk on (--disk-interface).</summary>
    public QemuDiskInterface Interface { get; init; } = RunRequest.DefaultDiskInterface;

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
        Span<byte> header = stackalloc byte[QemuImageFile.FormatBytes];
        using (FileStream stream = File.OpenRead(path))
        {
            header = header[..stream.ReadAtLeast(header, header.Length, throwOnEndOfStream: false)];
        }
        if (SparseImage.IsSparseImage(header))
        {
            return new RunDisk(expand ? RunDiskKind.ExpandedSparse : RunDiskKind.ServedSparse, path, overlayPath, bootIndex);
        }
        return new RunDisk(RunDiskKind.ImageFile, path, overlayPath, bootIndex) { Format = QemuImageFile.FormatOf(header) };
    }
}
