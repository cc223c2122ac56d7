using System.Globalization;
using System.Text;
using SparseVirt.Qemu.Disks;

namespace SparseVirt.Qemu.CommandLine;

/// <summary>
/// Renders each disk as <c>-blockdev</c> nodes, base first, and its <c>-device</c>. Node names are stable so QMP can
/// address them: the top format node of disk <c>i</c> is <c>disk{i}</c> with protocol node <c>disk{i}-file</c>; the
/// link <c>n</c> levels down is <c>disk{i}-b{n}</c> and <c>disk{i}-b{n}-file</c>. Backing links are read-only.
/// </summary>
internal static class QemuDiskRenderer
{
    public const string ScsiControllerId = "scsi0";

    /// <summary>The top node name of disk <paramref name="index"/>.</summary>
    public static string NodeName(int index) => "disk" + index.ToString(CultureInfo.InvariantCulture);

    /// <summary>The node name of the link <paramref name="depth"/> levels below the top of disk <paramref name="index"/>.</summary>
    public static string NodeName(int index, int depth) => depth == 0 ? NodeName(index) : NodeName(index) + "-b" + depth.ToString(CultureInfo.InvariantCulture);

    public static void Render(QemuMachineDefinition definition, List<string> arguments)
    {
        if (definition.Disks.Any(disk => disk.Interface == QemuDiskInterface.Scsi))
        {
            arguments.AddRange("-device", "virtio-scsi-pci,id=" + ScsiControllerId);
        }
        for (int i = 0; i < definition.Disks.Length; i++)
        {
            QemuDisk disk = definition.Disks[i];
            string node = NodeName(i);
            if (disk.Snapshot)
            {
                // -blockdev has no temporary overlay; -drive snapshot=on makes QEMU create and delete one itself.
                string format = FormatName(disk.Format);
                string cache = disk.Cache is { } mode ? ",cache=" + CacheModeName(mode) : "";
                arguments.AddRange("-drive", $"if=none,id={node},driver={format},file.driver=file,file.filename={QemuOptionValue.Escape(disk.Path)},snapshot=on{cache}");
            }
            else
            {
                List<QemuDiskSource> chain = [.. disk.Source.Chain()];
                // Base first: a -blockdev can only name a backing node that already exists.
                for (int depth = chain.Count - 1; depth >= 0; depth--)
                {
                    bool readOnly = depth > 0 || disk.ReadOnly;
                    string? backing = depth + 1 < chain.Count ? NodeName(i, depth + 1) : null;
                    RenderNodes(chain[depth], NodeName(i, depth), backing, readOnly, disk.Cache, arguments);
                }
            }
            arguments.AddRange("-device", RenderDevice(disk, node));
        }
    }

    /// <summary>The protocol node (<c>NAME-file</c>) and the format node (<c>NAME</c>) of one link.</summary>
    public static void RenderNodes(QemuDiskSource source, string node, string? backingNode, bool readOnly, QemuDiskCacheMode? cacheMode, List<string> arguments)
    {
        string options = (readOnly ? ",read-only=on" : "") + (cacheMode is { } mode ? NodeCacheOptions(mode) : "");
        string protocol = source switch
        {
            QemuImageFile file => $"driver=file,node-name={node}-file,filename={QemuOptionValue.Escape(file.Path)}",
            QemuOverlay overlay => $"driver=file,node-name={node}-file,filename={QemuOptionValue.Escape(overlay.Path)}",
            QemuNbdExport { SocketPath: { } socket } nbd =>
                $"driver=nbd,node-name={node}-file,server.type=unix,server.path={QemuOptionValue.Escape(socket)},export={QemuOptionValue.Escape(nbd.ExportName)}",
            QemuNbdExport nbd => string.Create(CultureInfo.InvariantCulture,
                $"driver=nbd,node-name={node}-file,server.type=inet,server.host={QemuOptionValue.Escape(nbd.Host!)},server.port={nbd.Port},export={QemuOptionValue.Escape(nbd.ExportName)}"),
            _ => throw new ArgumentOutOfRangeException(nameof(source), source, "unknown disk source"),
        };
        // An NBD node has no cache.direct: O_DIRECT applies to local files only.
        string protocolOptions = source is QemuNbdExport ? (readOnly ? ",read-only=on" : "") : options;
        arguments.AddRange("-blockdev", protocol + protocolOptions);
        string format = source switch
        {
            QemuImageFile file => FormatName(file.Format),
            QemuNbdExport nbd => FormatName(nbd.Format),
            _ => "qcow2",
        };
        // An overlay names its backing node explicitly, so QEMU never opens what the qcow2 header names.
        string backing = source is QemuOverlay ? ",backing=" + (backingNode ?? "null") : "";
        arguments.AddRange("-blockdev", $"driver={format},node-name={node},file={node}-file{backing}{options}");
    }

    public static string FormatName(QemuDiskFormat format) => format == QemuDiskFormat.Qcow2 ? "qcow2" : "raw";

    private static string RenderDevice(QemuDisk disk, string node)
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
}
