using System.Collections.Immutable;
using SparseVirt.Qemu;

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
            disks.Add(new RunDisk(RunDiskKind.ComposedGpt, string.Join(' ', request.GptPartitions), null, BootIndex()) { ExportName = RunDisk.ExportNameOf(served++) });
        }
        for (int i = 0; i < request.Disks.Length; i++)
        {
            string? overlay = i < request.Overlays.Length ? request.Overlays[i] : null;
            RunDisk disk = RunDisk.Classify(request.Disks[i], request.Expand, overlay, BootIndex());
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
