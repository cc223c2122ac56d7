using SparseVirt.Qemu.Disks;

namespace SparseVirt.Qemu.CommandLine;

/// <summary>Checks each disk and every link of its chain, naming the disk and the link.</summary>
internal static class QemuDiskValidator
{
    /// <summary>Deeper chains are refused: QEMU copes, but a chain this long is a mistake (a loop built by hand, say).</summary>
    public const int MaxChainLength = 16;

    public static void CheckDisks(QemuMachineDefinition definition, List<string> problems)
    {
        if (!QemuDefinitionValidator.CheckSet(definition.Disks, "Disks", problems))
        {
            return;
        }
        if (definition.MachineType == "none" && !definition.Disks.IsEmpty)
        {
            problems.Add("Disks: machine type 'none' has no buses to attach disks to.");
        }
        var bootIndexes = new Dictionary<int, int>();
        for (int i = 0; i < definition.Disks.Length; i++)
        {
            QemuDisk disk = definition.Disks[i];
            string where = $"Disks[{i}]";
            if (disk is null)
            {
                problems.Add($"{where}: the disk is null.");
                continue;
            }
            if (disk.Source is null)
            {
                problems.Add($"{where}.Source: the source is null.");
                continue;
            }
            CheckChain(disk, where, problems);
            CheckSettings(definition, disk, where, problems);
            if (disk.BootIndex is { } bootIndex)
            {
                if (bootIndex < 0)
                {
                    problems.Add($"{where}.BootIndex: {bootIndex} is negative.");
                }
                else if (bootIndexes.TryGetValue(bootIndex, out int first))
                {
                    problems.Add($"{where}.BootIndex: {bootIndex} is already used by Disks[{first}].");
                }
                else
                {
                    bootIndexes.Add(bootIndex, i);
                }
            }
        }
    }

    /// <summary>The disk's own settings: known enum values, and combinations QEMU refuses or that make no sense.</summary>
    private static void CheckSettings(QemuMachineDefinition definition, QemuDisk disk, string where, List<string> problems)
    {
        if (!Enum.IsDefined(disk.Interface))
        {
            problems.Add($"{where}.Interface: {(int)disk.Interface} is not a known disk interface.");
        }
        if (disk.Cache is { } cache && !Enum.IsDefined(cache))
        {
            problems.Add($"{where}.Cache: {(int)cache} is not a known cache mode.");
        }
        if (disk.ReadOnly && disk.Interface == QemuDiskInterface.Ide)
        {
            problems.Add($"{where}.ReadOnly: QEMU's ide-hd cannot attach a read-only disk; use another interface or Snapshot.");
        }
        if (disk.ReadOnly && disk.Snapshot)
        {
            problems.Add($"{where}: ReadOnly and Snapshot both set; Snapshot already leaves the file unchanged while letting the guest write.");
        }
        if (disk.Interface == QemuDiskInterface.Ide && definition.Architecture != QemuArchitecture.X86_64)
        {
            problems.Add($"{where}.Interface: IDE exists only on x86 machine types (pc, q35).");
        }
    }

    private static void CheckChain(QemuDisk disk, string where, List<string> problems)
    {
        int depth = 0;
        for (QemuDiskSource? source = disk.Source; source is not null; depth++)
        {
            string link = depth == 0 ? $"{where}.Source" : $"{where}.Source{string.Concat(Enumerable.Repeat(".Backing", depth))}";
            if (depth >= MaxChainLength)
            {
                problems.Add($"{where}.Source: the chain is longer than {MaxChainLength} links.");
                return;
            }
            switch (source)
            {
                case QemuImageFile file:
                    if (string.IsNullOrEmpty(file.Path))
                    {
                        problems.Add(depth == 0 ? $"{where}.Path: the image path is empty." : $"{link}.Path: the image path is empty.");
                    }
                    CheckFormat(file.Format, link, problems);
                    break;
                case QemuNbdExport nbd:
                    if (nbd.SocketPath is { Length: 0 } || (nbd.SocketPath is null && string.IsNullOrWhiteSpace(nbd.Host)))
                    {
                        problems.Add($"{link}: the NBD server has no socket path or host.");
                    }
                    if (nbd.SocketPath is null && nbd.Port is < 1 or > 65535)
                    {
                        problems.Add($"{link}.Port: {nbd.Port} is outside 1-65535.");
                    }
                    if (nbd.ExportName is null || nbd.ExportName.Length > 4096)
                    {
                        problems.Add($"{link}.ExportName: an NBD export name is a string of at most 4096 bytes.");
                    }
                    CheckFormat(nbd.Format, link, problems);
                    break;
                case QemuOverlay overlay:
                    if (string.IsNullOrEmpty(overlay.Path))
                    {
                        problems.Add($"{link}.Path: the overlay path is empty.");
                    }
                    if (overlay.Backing is null)
                    {
                        problems.Add($"{link}.Backing: an overlay needs a backing source.");
                    }
                    break;
            }
            source = (source as QemuOverlay)?.Backing;
        }
        if (disk.Snapshot && disk.Source is not QemuImageFile)
        {
            problems.Add($"{where}.Snapshot: a temporary overlay needs an image file as the source; an overlay chain or NBD export already keeps its base unchanged.");
        }
    }

    private static void CheckFormat(QemuDiskFormat format, string link, List<string> problems)
    {
        if (!Enum.IsDefined(format))
        {
            problems.Add($"{link}.Format: {(int)format} is not a known image format.");
        }
    }
}
