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
    private const string ScsiControllerId = "scsi0";
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
        if (launchSockets is not null)
        {
            // QEMU connects to the library's listening socket as a client: the socket exists before QEMU starts, so there is no race.
            arguments.AddRange("-chardev", $"socket,id={MonitorChardevId},path={QemuOptionValue.Escape(launchSockets.MonitorPath)},server=off");
            arguments.AddRange("-mon", $"chardev={MonitorChardevId},mode=control");
        }
        RenderSerial(definition, launchSockets, arguments);
        RenderDisks(definition, arguments);
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
            var netdev = new StringBuilder("user,id=" + NetworkId);
            foreach (QemuPortForward forward in network.PortForwards)
            {
                string protocol = forward.Protocol == QemuPortForwardProtocol.Udp ? "udp" : "tcp";
                netdev.Append(CultureInfo.InvariantCulture, $",hostfwd={protocol}:{forward.HostAddress}:{forward.HostPort}-:{forward.GuestPort}");
            }
            arguments.AddRange("-netdev", netdev.ToString());
            arguments.AddRange("-device", $"{QemuOptionValue.Escape(network.DeviceModel)},netdev={NetworkId}");
        }
        arguments.AddRange(definition.ExtraArguments);
        return arguments;
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

    private static void RenderDisks(QemuMachineDefinition definition, List<string> arguments)
    {
        if (definition.Disks.Any(disk => disk.Interface == QemuDiskInterface.Scsi))
        {
            arguments.AddRange("-device", "virtio-scsi-pci,id=" + ScsiControllerId);
        }
        for (int i = 0; i < definition.Disks.Length; i++)
        {
            QemuDisk disk = definition.Disks[i];
            string node = "disk" + i.ToString(CultureInfo.InvariantCulture);
            string format = disk.Format == QemuDiskFormat.Qcow2 ? "qcow2" : "raw";
            string path = QemuOptionValue.Escape(disk.Path);
            if (disk.Nbd is not null || disk.Qcow2Overlay is not null)
            {
                RenderLayeredDisk(disk, node, format, path, arguments);
            }
            else if (disk.Snapshot)
            {
                // -blockdev has no temporary overlay; -drive snapshot=on makes QEMU create and delete one itself.
                string cache = disk.Cache is { } mode ? ",cache=" + CacheModeName(mode) : "";
                arguments.AddRange("-drive", $"if=none,id={node},driver={format},file.driver=file,file.filename={path},snapshot=on{cache}");
            }
            else
            {
                string readOnly = disk.ReadOnly ? ",read-only=on" : "";
                string cache = disk.Cache is { } mode ? NodeCacheOptions(mode) : "";
                arguments.AddRange("-blockdev", $"driver=file,node-name={node}-file,filename={path}{readOnly}{cache}");
                arguments.AddRange("-blockdev", $"driver={format},node-name={node},file={node}-file{readOnly}{cache}");
            }
            arguments.AddRange("-device", RenderDiskDevice(disk, node));
        }
    }

    /// <summary>
    /// An NBD disk (a <c>driver=nbd</c> protocol node) and/or a disk with a qcow2 overlay: the base is then opened
    /// read-only and named as the overlay's backing node, so QEMU never writes it.
    /// </summary>
    private static void RenderLayeredDisk(QemuDisk disk, string node, string format, string path, List<string> arguments)
    {
        string cache = disk.Cache is { } mode ? NodeCacheOptions(mode) : "";
        string baseNode = disk.Qcow2Overlay is null ? node : node + "-base";
        string readOnly = disk.ReadOnly || disk.Qcow2Overlay is not null ? ",read-only=on" : "";
        if (disk.Nbd is { } nbd)
        {
            string server = nbd.SocketPath is { } socket
                ? $"server.type=unix,server.path={QemuOptionValue.Escape(socket)}"
                : $"server.type=inet,server.host={QemuOptionValue.Escape(nbd.Host!)},server.port={nbd.Port.ToString(CultureInfo.InvariantCulture)}";
            arguments.AddRange("-blockdev", $"driver=nbd,node-name={baseNode},{server},export={QemuOptionValue.Escape(nbd.ExportName)}{readOnly}{cache}");
        }
        else
        {
            arguments.AddRange("-blockdev", $"driver=file,node-name={baseNode}-file,filename={path},read-only=on{cache}");
            arguments.AddRange("-blockdev", $"driver={format},node-name={baseNode},file={baseNode}-file,read-only=on{cache}");
        }
        if (disk.Qcow2Overlay is { } overlay)
        {
            string overlayReadOnly = disk.ReadOnly ? ",read-only=on" : "";
            arguments.AddRange("-blockdev", $"driver=file,node-name={node}-overlay,filename={QemuOptionValue.Escape(overlay)}{overlayReadOnly}{cache}");
            arguments.AddRange("-blockdev", $"driver=qcow2,node-name={node},file={node}-overlay,backing={baseNode}{overlayReadOnly}{cache}");
        }
    }

    private static string RenderDiskDevice(QemuDisk disk, string node)
    {
        var device = new StringBuilder(disk.Interface switch
        {
            QemuDiskInterface.Ide => "ide-hd",
            QemuDiskInterface.Scsi => "scsi-hd",
            QemuDiskInterface.Nvme => "nvme",
            _ => "virtio-blk-pci",
        });
        device.Append(CultureInfo.InvariantCulture, $",drive={node},id={node}-device");
        if (disk.Interface == QemuDiskInterface.Scsi)
        {
            device.Append(",bus=" + ScsiControllerId + ".0");
        }
        if (disk.Interface == QemuDiskInterface.Nvme)
        {
            device.Append(",serial=" + node);
        }
        if (disk.BootIndex is { } bootIndex)
        {
            device.Append(CultureInfo.InvariantCulture, $",bootindex={bootIndex}");
        }
        if (disk.Cache is { } mode && !disk.Snapshot)
        {
            bool writeCache = mode is QemuDiskCacheMode.Writeback or QemuDiskCacheMode.None or QemuDiskCacheMode.Unsafe;
            device.Append(writeCache ? ",write-cache=on" : ",write-cache=off");
        }
        return device.ToString();
    }

    /// <summary>The -blockdev spelling of a -drive cache mode: O_DIRECT and flush handling live on the nodes, the write cache on the device.</summary>
    private static string NodeCacheOptions(QemuDiskCacheMode mode)
    {
        bool direct = mode is QemuDiskCacheMode.None or QemuDiskCacheMode.DirectSync;
        bool noFlush = mode is QemuDiskCacheMode.Unsafe;
        return $",cache.direct={(direct ? "on" : "off")},cache.no-flush={(noFlush ? "on" : "off")}";
    }

    private static string CacheModeName(QemuDiskCacheMode mode) => mode switch
    {
        QemuDiskCacheMode.None => "none",
        QemuDiskCacheMode.Writethrough => "writethrough",
        QemuDiskCacheMode.DirectSync => "directsync",
        QemuDiskCacheMode.Unsafe => "unsafe",
        _ => "writeback",
    };

    private static void AddRange(this List<string> arguments, params ReadOnlySpan<string> values)
    {
        foreach (string value in values)
        {
            arguments.Add(value);
        }
    }
}
