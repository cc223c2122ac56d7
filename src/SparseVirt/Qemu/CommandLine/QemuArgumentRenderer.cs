using System.Globalization;
using System.Text;

namespace SparseVirt.Qemu.CommandLine;

/// <summary>
/// Turns a validated definition into QEMU's argument list. Values inside comma-separated option strings are escaped;
/// <c>-kernel</c>, <c>-initrd</c> and <c>-append</c> take their value verbatim, so those are not.
/// </summary>
internal static class QemuArgumentRenderer
{
    public const string MonitorChardevId = "qmp";
    public const string SerialChardevId = "serial0";
    private const string GuestAgentChardevId = "guestagent";
    private const string GuestAgentSerialId = "guestagent-serial";
    private const string NetworkId = "net0";

    public static string AcceleratorName(QemuAccelerator accelerator) => accelerator switch
    {
        QemuAccelerator.Kvm => "kvm",
        QemuAccelerator.Hvf => "hvf",
        QemuAccelerator.Whpx => "whpx",
        QemuAccelerator.Tcg => "tcg",
        _ => throw new ArgumentOutOfRangeException(nameof(accelerator), accelerator, "unknown accelerator"),
    };

    public static List<string> Render(QemuMachineDefinition definition, QemuLaunchSockets? launchSockets)
    {
        var arguments = new List<string>();
        RenderMachine(definition, arguments);
        if (launchSockets is not null)
        {
            // QEMU connects to the library's listening socket as a client: the socket exists before QEMU starts, so there is no race.
            arguments.AddRange("-chardev", $"socket,id={MonitorChardevId},path={QemuOptionValue.Escape(launchSockets.MonitorPath)},server=off");
            arguments.AddRange("-mon", $"chardev={MonitorChardevId},mode=control");
        }
        RenderSerial(definition, launchSockets, arguments);
        if (definition.GuestAgent && (launchSockets?.GuestAgentPath ?? definition.GuestAgentSocketPath) is { } agentSocket)
        {
            // QEMU listens and does not wait: the agent in the guest starts long after QEMU, and a client connects when it wants.
            arguments.AddRange("-chardev", $"socket,id={GuestAgentChardevId},path={QemuOptionValue.Escape(agentSocket)},server=on,wait=off");
            arguments.AddRange("-device", "virtio-serial-pci,id=" + GuestAgentSerialId);
            arguments.AddRange("-device", $"virtserialport,bus={GuestAgentSerialId}.0,chardev={GuestAgentChardevId},name=org.qemu.guest_agent.0");
        }
        QemuDiskRenderer.Render(definition, arguments);
        if (definition.KernelBoot is { } boot)
        {
            arguments.AddRange("-kernel", boot.KernelPath);
            if (boot.InitrdPath is { } initrd)
            {
                arguments.AddRange("-initrd", initrd);
            }
            if (boot.CommandLine is { } commandLine)
            {
                arguments.AddRange("-append", commandLine);
            }
        }
        if (definition.Network is { } network)
        {
            RenderNetwork(network, arguments);
        }
        arguments.AddRange(definition.ExtraArguments);
        return arguments;
    }

    /// <summary>The machine itself: name, type, accelerators, CPU, memory, defaults, display, paused start.</summary>
    private static void RenderMachine(QemuMachineDefinition definition, List<string> arguments)
    {
        if (definition.Name is { } name)
        {
            arguments.AddRange("-name", "guest=" + QemuOptionValue.Escape(name));
        }
        arguments.AddRange("-machine", "type=" + QemuOptionValue.Escape(definition.MachineType));
        foreach (QemuAccelerator accelerator in definition.Accelerators)
        {
            arguments.AddRange("-accel", AcceleratorName(accelerator));
        }
        if (definition.CpuModel is { } cpu)
        {
            arguments.AddRange("-cpu", QemuOptionValue.Escape(cpu));
        }
        if (definition.Smp is { } smp)
        {
            arguments.AddRange("-smp", RenderSmp(smp));
        }
        arguments.AddRange("-m", definition.Memory.ToQemuValue());
        if (definition.NoDefaults)
        {
            arguments.Add("-nodefaults");
        }
        if (definition.NoUserConfig)
        {
            arguments.Add("-no-user-config");
        }
        if (!definition.Display)
        {
            arguments.AddRange("-display", "none");
        }
        if (definition.StartPaused)
        {
            arguments.Add("-S");
        }
    }

    private static void RenderNetwork(QemuUserNetwork network, List<string> arguments)
    {
        var netdev = new StringBuilder("user,id=" + NetworkId);
        foreach (QemuPortForward forward in network.PortForwards)
        {
            string protocol = forward.Protocol == QemuPortForwardProtocol.Udp ? "udp" : "tcp";
            netdev.Append(CultureInfo.InvariantCulture, $",hostfwd={protocol}:{forward.HostAddress}:{forward.HostPort}-:{forward.GuestPort}");
        }
        arguments.AddRange("-netdev", netdev.ToString());
        arguments.AddRange("-device", $"{QemuOptionValue.Escape(network.DeviceModel)},netdev={NetworkId}");
    }

    private static string RenderSmp(QemuSmp smp)
    {
        string value = "cpus=" + smp.Cpus.ToString(CultureInfo.InvariantCulture);
        if (smp.Sockets is { } sockets && smp.Cores is { } cores && smp.Threads is { } threads)
        {
            value += string.Create(CultureInfo.InvariantCulture, $",sockets={sockets},cores={cores},threads={threads}");
        }
        return value;
    }

    private static void RenderSerial(QemuMachineDefinition definition, QemuLaunchSockets? launchSockets, List<string> arguments)
    {
        QemuSerialConsole serial = definition.Serial;
        string? chardev = serial.Kind switch
        {
            QemuSerialConsoleKind.File => $"file,id={SerialChardevId},path={QemuOptionValue.Escape(serial.Path!)}",
            QemuSerialConsoleKind.UnixSocket => $"socket,id={SerialChardevId},path={QemuOptionValue.Escape(serial.Path!)},server=on,wait=off",
            QemuSerialConsoleKind.Captured when launchSockets?.SerialCapturePath is { } capture =>
                $"socket,id={SerialChardevId},path={QemuOptionValue.Escape(capture)},server=off",
            _ => null,
        };
        if (chardev is not null)
        {
            arguments.AddRange("-chardev", chardev);
            arguments.AddRange("-serial", "chardev:" + SerialChardevId);
        }
        else if (!definition.NoDefaults)
        {
            arguments.AddRange("-serial", "none");
        }
    }

    internal static void AddRange(this List<string> arguments, params ReadOnlySpan<string> values)
    {
        foreach (string value in values)
        {
            arguments.Add(value);
        }
    }
}
