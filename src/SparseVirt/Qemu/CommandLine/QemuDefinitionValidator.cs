using System.Collections.Immutable;

namespace SparseVirt.Qemu.CommandLine;

/// <summary>Checks a definition as a whole and collects every problem, so the caller can fix them all at once.</summary>
internal static class QemuDefinitionValidator
{
    public static IReadOnlyList<string> GetProblems(QemuMachineDefinition definition)
    {
        var problems = new List<string>();
        CheckMachine(definition, problems);
        CheckAccelerators(definition, problems);
        CheckCpu(definition, problems);
        CheckSmp(definition.Smp, problems);
        if (!definition.Memory.IsWholeMebibytes)
        {
            problems.Add($"-m (Memory): {definition.Memory} is not a positive whole number of MiB.");
        }
        if (definition.Name is { } name && string.IsNullOrWhiteSpace(name))
        {
            problems.Add("-name (Name): the name is empty; use null for no name.");
        }
        QemuDiskValidator.CheckDisks(definition, problems);
        CheckKernelBoot(definition.KernelBoot, problems);
        CheckNetwork(definition.Network, problems);
        CheckSerial(definition.Serial, problems);
        CheckSet(definition.ExtraArguments, "ExtraArguments", problems);
        return problems;
    }

    private static void CheckMachine(QemuMachineDefinition definition, List<string> problems)
    {
        if (!Enum.IsDefined(definition.Architecture))
        {
            problems.Add($"Architecture: {(int)definition.Architecture} is not a known architecture.");
        }
        if (string.IsNullOrWhiteSpace(definition.MachineType))
        {
            problems.Add("-machine (MachineType): the machine type is empty (q35, pc, virt, none ...).");
        }
        if (definition.BinaryPath is { } binary && string.IsNullOrWhiteSpace(binary))
        {
            problems.Add("BinaryPath: the path is empty; use null to find QEMU on PATH.");
        }
    }

    private static void CheckAccelerators(QemuMachineDefinition definition, List<string> problems)
    {
        if (!CheckSet(definition.Accelerators, "Accelerators", problems))
        {
            return;
        }
        if (definition.Accelerators.IsEmpty)
        {
            problems.Add("-accel (Accelerators): at least one accelerator is needed (e.g. kvm, then tcg).");
        }
        foreach (QemuAccelerator accelerator in definition.Accelerators)
        {
            if (!Enum.IsDefined(accelerator))
            {
                problems.Add($"-accel (Accelerators): {(int)accelerator} is not a known accelerator.");
            }
        }
        foreach (IGrouping<QemuAccelerator, QemuAccelerator> repeated in definition.Accelerators.GroupBy(a => a).Where(g => g.Count() > 1))
        {
            problems.Add($"-accel (Accelerators): {QemuArgumentRenderer.AcceleratorName(repeated.Key)} is listed {repeated.Count()} times.");
        }
    }

    private static void CheckCpu(QemuMachineDefinition definition, List<string> problems)
    {
        if (definition.CpuModel is not { } model)
        {
            return;
        }
        if (string.IsNullOrWhiteSpace(model))
        {
            problems.Add("-cpu (CpuModel): the CPU model is empty; use null for QEMU's default.");
        }
        else if (model == "host" && !definition.Accelerators.IsDefault
            && definition.Accelerators.Any(a => a is not (QemuAccelerator.Kvm or QemuAccelerator.Hvf)))
        {
            // QEMU would fall back to the next accelerator and then refuse the model, so the definition could never start there.
            problems.Add("-cpu (CpuModel): 'host' needs hardware acceleration, but Accelerators also lists "
                + string.Join(", ", definition.Accelerators.Where(a => a is not (QemuAccelerator.Kvm or QemuAccelerator.Hvf)).Select(QemuArgumentRenderer.AcceleratorName))
                + "; use 'max' to allow a software fallback, or list only kvm/hvf.");
        }
    }

    private static void CheckSmp(QemuSmp? smp, List<string> problems)
    {
        if (smp is null)
        {
            return;
        }
        if (smp.Cpus < 1)
        {
            problems.Add($"-smp (Smp.Cpus): {smp.Cpus} CPUs; at least 1 is needed.");
        }
        int?[] topology = [smp.Sockets, smp.Cores, smp.Threads];
        int given = topology.Count(value => value.HasValue);
        if (given is > 0 and < 3)
        {
            problems.Add("-smp (Smp): give sockets, cores and threads all together, or none of them.");
            return;
        }
        if (given == 0)
        {
            return;
        }
        foreach ((string field, int value) in new[] { ("Sockets", smp.Sockets!.Value), ("Cores", smp.Cores!.Value), ("Threads", smp.Threads!.Value) })
        {
            if (value < 1)
            {
                problems.Add($"-smp (Smp.{field}): {value}; at least 1 is needed.");
            }
        }
        long product = (long)smp.Sockets!.Value * smp.Cores!.Value * smp.Threads!.Value;
        if (product != smp.Cpus && smp.Cpus >= 1 && product >= 1)
        {
            problems.Add($"-smp (Smp): sockets × cores × threads = {smp.Sockets} × {smp.Cores} × {smp.Threads} = {product}, but Cpus is {smp.Cpus}.");
        }
    }

    private static void CheckKernelBoot(QemuKernelBoot? boot, List<string> problems)
    {
        if (boot is null)
        {
            return;
        }
        if (string.IsNullOrEmpty(boot.KernelPath))
        {
            problems.Add("-kernel (KernelBoot.KernelPath): the kernel path is empty.");
        }
        if (boot.InitrdPath is { Length: 0 })
        {
            problems.Add("-initrd (KernelBoot.InitrdPath): the initrd path is empty; use null for none.");
        }
    }

    private static void CheckNetwork(QemuUserNetwork? network, List<string> problems)
    {
        if (network is null)
        {
            return;
        }
        if (string.IsNullOrWhiteSpace(network.DeviceModel))
        {
            problems.Add("-device (Network.DeviceModel): the network card model is empty.");
        }
        if (!CheckSet(network.PortForwards, "Network.PortForwards", problems))
        {
            return;
        }
        for (int i = 0; i < network.PortForwards.Length; i++)
        {
            QemuPortForward forward = network.PortForwards[i];
            string where = $"hostfwd (Network.PortForwards[{i}])";
            if (forward.HostPort is < 0 or > 65535)
            {
                problems.Add($"{where}: host port {forward.HostPort} is outside 0-65535 (0 picks any free port).");
            }
            if (forward.GuestPort is < 1 or > 65535)
            {
                problems.Add($"{where}: guest port {forward.GuestPort} is outside 1-65535.");
            }
            if (!Enum.IsDefined(forward.Protocol))
            {
                problems.Add($"{where}: {(int)forward.Protocol} is not a known protocol.");
            }
            if (string.IsNullOrWhiteSpace(forward.HostAddress) || forward.HostAddress.Contains(',', StringComparison.Ordinal) || forward.HostAddress.Contains(':', StringComparison.Ordinal))
            {
                problems.Add($"{where}: host address '{forward.HostAddress}' is not an IPv4 address.");
            }
        }
    }

    private static void CheckSerial(QemuSerialConsole serial, List<string> problems)
    {
        if (serial is null)
        {
            problems.Add("-serial (Serial): null; use QemuSerialConsole.None for no serial port.");
        }
        else if (serial.Kind is QemuSerialConsoleKind.File or QemuSerialConsoleKind.UnixSocket && string.IsNullOrEmpty(serial.Path))
        {
            problems.Add($"-serial (Serial.Path): a {serial.Kind} serial console needs a path.");
        }
    }

    /// <summary>An <see cref="ImmutableArray{T}"/> left at its default value cannot be enumerated; report it instead of crashing.</summary>
    internal static bool CheckSet<T>(ImmutableArray<T> values, string property, List<string> problems)
    {
        if (values.IsDefault)
        {
            problems.Add($"{property}: the list is uninitialized (default ImmutableArray); use an empty list.");
            return false;
        }
        return true;
    }
}
