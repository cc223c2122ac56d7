using System.Collections.Immutable;
using SparseVirt.Qemu.CommandLine;

namespace SparseVirt.Qemu;

/// <summary>
/// An immutable, typed description of a QEMU virtual machine. Every <c>With...</c> method returns a changed copy
/// ; <see cref="Validate"/> reports every problem at once, and <see cref="ToArguments"/> renders
/// the argument list to hand to <see cref="System.Diagnostics.ProcessStartInfo.ArgumentList"/>.
/// </summary>
/// <example>
/// <code>
/// var definition = new QemuMachineDefinition(QemuArchitecture.X86_64)
///     .WithMachineType("q35")
///     .WithAccelerators(QemuAccelerator.Kvm, QemuAccelerator.Tcg)
///     .WithMemory(QemuMemorySize.FromMebibytes(512))
///     .WithDisk(new QemuDisk("disk.raw", QemuDiskFormat.Raw).WithBootIndex(0))
///     .WithSerial(QemuSerialConsole.Captured);
/// </code>
/// </example>
public sealed record QemuMachineDefinition
{
    /// <summary>Creates a definition for <paramref name="architecture"/> with the defaults listed on each property.</summary>
    public QemuMachineDefinition(QemuArchitecture architecture)
    {
        Architecture = architecture;
        MachineType = architecture == QemuArchitecture.Aarch64 ? "virt" : "q35";
    }

    /// <summary>The guest architecture; it picks the QEMU binary unless <see cref="BinaryPath"/> is set.</summary>
    public QemuArchitecture Architecture { get; private init; }

    /// <summary>The QEMU binary to run, or <see langword="null"/> to find <c>qemu-system-&lt;arch&gt;</c> on <c>PATH</c>.</summary>
    public string? BinaryPath { get; private init; }

    /// <summary>The machine type (<c>-machine</c>): <c>q35</c> on x86_64 and <c>virt</c> on aarch64 unless set; <c>none</c> has no devices at all.</summary>
    public string MachineType { get; private init; }

    /// <summary>Accelerators in order of preference (<c>-accel</c>, repeated); <c>kvm</c> then <c>tcg</c> unless set.</summary>
    public ImmutableArray<QemuAccelerator> Accelerators { get; private init; } = [QemuAccelerator.Kvm, QemuAccelerator.Tcg];

    /// <summary>The CPU model (<c>-cpu</c>): <c>host</c> (KVM or HVF only), <c>max</c>, or a named model; <see langword="null"/> for QEMU's default.</summary>
    public string? CpuModel { get; private init; }

    /// <summary>The virtual CPUs (<c>-smp</c>), or <see langword="null"/> for one.</summary>
    public QemuSmp? Smp { get; private init; }

    /// <summary>Guest RAM (<c>-m</c>); 512 MiB unless set.</summary>
    public QemuMemorySize Memory { get; private init; } = QemuMemorySize.FromMebibytes(512);

    /// <summary>The VM's name (<c>-name</c>), shown in process lists and <c>query-name</c>; <see langword="null"/> for none.</summary>
    public string? Name { get; private init; }

    /// <summary>The disks, in the order they are attached.</summary>
    public ImmutableArray<QemuDisk> Disks { get; private init; } = [];

    /// <summary>Direct kernel boot, or <see langword="null"/> to boot through the firmware.</summary>
    public QemuKernelBoot? KernelBoot { get; private init; }

    /// <summary>User-mode networking, or <see langword="null"/> for no network card.</summary>
    public QemuUserNetwork? Network { get; private init; }

    /// <summary>The first serial port's destination; none unless set.</summary>
    public QemuSerialConsole Serial { get; private init; } = QemuSerialConsole.None;

    /// <summary>Whether QEMU opens a display window; <see langword="false"/> (<c>-display none</c>) unless set.</summary>
    public bool Display { get; private init; }

    /// <summary>Whether default devices (VGA, network card, serial, parallel, floppy, CD-ROM) are left out (<c>-nodefaults</c>); <see langword="true"/> unless set.</summary>
    public bool NoDefaults { get; private init; } = true;

    /// <summary>Whether QEMU's host configuration files are ignored (<c>-no-user-config</c>); <see langword="true"/> unless set.</summary>
    public bool NoUserConfig { get; private init; } = true;

    /// <summary>Whether the guest CPUs start paused (<c>-S</c>), to be resumed with QMP <c>cont</c>; <see langword="false"/> unless set.</summary>
    public bool StartPaused { get; private init; }

    /// <summary>
    /// Whether the guest gets the guest agent's channel: a <c>virtserialport</c> named <c>org.qemu.guest_agent.0</c>
    /// on its own <c>virtio-serial-pci</c>, served by QEMU on a Unix socket for <see cref="GuestAgent.GuestAgentClient"/>.
    /// </summary>
    public bool GuestAgent { get; private init; }

    /// <summary>
    /// The guest agent channel's socket, or <see langword="null"/> for one in the launcher's private folder
    /// (<see cref="QemuMachine.GuestAgentSocketPath"/>).
    /// </summary>
    public string? GuestAgentSocketPath { get; private init; }

    /// <summary>Arguments appended verbatim after the rendered ones, for options this type does not model.</summary>
    public ImmutableArray<string> ExtraArguments { get; private init; } = [];

    /// <summary>A copy that runs the QEMU binary at <paramref name="path"/>.</summary>
    public QemuMachineDefinition WithBinaryPath(string? path) => this with { BinaryPath = path };

    /// <summary>A copy with machine type <paramref name="machineType"/>.</summary>
    public QemuMachineDefinition WithMachineType(string machineType) => this with { MachineType = machineType };

    /// <summary>A copy with accelerators <paramref name="accelerators"/>, in order of preference.</summary>
    public QemuMachineDefinition WithAccelerators(params ReadOnlySpan<QemuAccelerator> accelerators) => this with { Accelerators = [.. accelerators] };

    /// <summary>A copy with CPU model <paramref name="cpuModel"/>.</summary>
    public QemuMachineDefinition WithCpuModel(string? cpuModel) => this with { CpuModel = cpuModel };

    /// <summary>A copy with virtual CPUs <paramref name="smp"/>.</summary>
    public QemuMachineDefinition WithSmp(QemuSmp? smp) => this with { Smp = smp };

    /// <summary>A copy with guest RAM <paramref name="memory"/>.</summary>
    public QemuMachineDefinition WithMemory(QemuMemorySize memory) => this with { Memory = memory };

    /// <summary>A copy named <paramref name="name"/>.</summary>
    public QemuMachineDefinition WithName(string? name) => this with { Name = name };

    /// <summary>A copy with <paramref name="disk"/> attached after the existing disks.</summary>
    public QemuMachineDefinition WithDisk(QemuDisk disk) => this with { Disks = Disks.Add(disk) };

    /// <summary>A copy booting <paramref name="kernelBoot"/> directly.</summary>
    public QemuMachineDefinition WithKernelBoot(QemuKernelBoot? kernelBoot) => this with { KernelBoot = kernelBoot };

    /// <summary>A copy with user-mode networking <paramref name="network"/> (or none).</summary>
    public QemuMachineDefinition WithNetwork(QemuUserNetwork? network) => this with { Network = network };

    /// <summary>A copy whose serial port goes to <paramref name="serial"/>.</summary>
    public QemuMachineDefinition WithSerial(QemuSerialConsole serial) => this with { Serial = serial };

    /// <summary>A copy that opens a display window or not.</summary>
    public QemuMachineDefinition WithDisplay(bool display = true) => this with { Display = display };

    /// <summary>A copy with or without <c>-nodefaults</c>.</summary>
    public QemuMachineDefinition WithNoDefaults(bool noDefaults) => this with { NoDefaults = noDefaults };

    /// <summary>A copy with or without <c>-no-user-config</c>.</summary>
    public QemuMachineDefinition WithNoUserConfig(bool noUserConfig) => this with { NoUserConfig = noUserConfig };

    /// <summary>A copy whose CPUs start paused or not.</summary>
    public QemuMachineDefinition WithStartPaused(bool startPaused = true) => this with { StartPaused = startPaused };

    /// <summary>A copy with the guest agent channel (on <paramref name="socketPath"/>, or a private one when <see langword="null"/>), or without it.</summary>
    public QemuMachineDefinition WithGuestAgent(bool enabled = true, string? socketPath = null) => this with { GuestAgent = enabled, GuestAgentSocketPath = enabled ? socketPath : null };

    /// <summary>A copy with <paramref name="arguments"/> appended to the extra arguments.</summary>
    public QemuMachineDefinition WithExtraArguments(params ReadOnlySpan<string> arguments) => this with { ExtraArguments = ExtraArguments.AddRange(arguments) };

    /// <summary>Every problem with this definition, each naming its option; empty when it is valid.</summary>
    public IReadOnlyList<string> GetProblems() => QemuDefinitionValidator.GetProblems(this);

    /// <summary>Throws one <see cref="QemuDefinitionException"/> listing every problem, if there are any.</summary>
    public void Validate()
    {
        IReadOnlyList<string> problems = GetProblems();
        if (problems.Count > 0)
        {
            throw new QemuDefinitionException(problems);
        }
    }

    /// <summary>
    /// Validates and renders the QEMU arguments (without the binary). The monitor socket and the captured serial socket
    /// that <see cref="QemuMachine.StartAsync"/> adds are not included.
    /// </summary>
    /// <exception cref="QemuDefinitionException">The definition has problems.</exception>
    public IReadOnlyList<string> ToArguments()
    {
        Validate();
        return QemuArgumentRenderer.Render(this, launchSockets: null);
    }

    /// <summary>The QEMU binary this definition runs: <see cref="BinaryPath"/>, or <c>qemu-system-&lt;arch&gt;</c> found on <c>PATH</c>.</summary>
    /// <exception cref="QemuBinaryNotFoundException">There is no such file.</exception>
    public string ResolveBinaryPath() => QemuBinaryLocator.Resolve(this);
}
