using SparseVirt.Cli.Infrastructure;
using SparseVirt.Qemu;

namespace SparseVirt.Cli.Run;

/// <summary>What <c>sparsevirt run</c> was asked, as parsed from its arguments (<see cref="RunArguments.Read"/>).</summary>
internal sealed record RunRequest
{
    /// <summary>The disks, in boot order.</summary>
    public string[] Disks { get; init; } = [];

    /// <summary>The --overlay files, each for the disk in the same position.</summary>
    public string[] Overlays { get; init; } = [];

    /// <summary>
    /// The --disk-interface buses: one for every disk, or one per disk in boot order (the --gpt disk first); empty
    /// for the default, <see cref="DefaultDiskInterface"/>.
    /// </summary>
    public QemuDiskInterface[] DiskInterfaces { get; init; } = [];

    public QemuMemorySize Memory { get; init; } = QemuMemorySize.FromMebibytes(512);

    public int Cpus { get; init; } = 1;

    public string? Kernel { get; init; }

    public string? Initrd { get; init; }

    public string? Append { get; init; }

    /// <summary>auto, kvm or tcg.</summary>
    public string Accelerator { get; init; } = "auto";

    /// <summary>stdio, or a file for the guest's serial console.</summary>
    public string Serial { get; init; } = "stdio";

    public QemuPortForward[] Forwards { get; init; } = [];

    public string Machine { get; init; } = "q35";

    public TimeSpan? Timeout { get; init; }

    public TimeSpan StopTimeout { get; init; } = TimeSpan.FromSeconds(10);

    public string CacheFolder { get; init; } = "";

    /// <summary>The --qemu binary, or null for qemu-system-x86_64 on PATH.</summary>
    public string? QemuBinary { get; init; }

    public bool AllowNoQemu { get; init; }

    /// <summary>Expand sparse images into the cache instead of serving them over NBD.</summary>
    public bool Expand { get; init; }

    /// <summary>LABEL=IMAGE partitions of a composed GPT disk, served first; empty for none.</summary>
    public string[] GptPartitions { get; init; } = [];

    /// <summary>The --boot-code file for the composed GPT disk's protective MBR; null for zeros.</summary>
    public string? GptBootCode { get; init; }

    /// <summary>Boot again on TCG when the hardware accelerator fails to run the guest.</summary>
    public bool RetryOnTcg { get; init; }

    /// <summary>Start every overlay over (--reset-overlay).</summary>
    public bool ResetOverlays { get; init; }

    /// <summary>Keep a reset overlay's old file as NAME.bak-TIMESTAMP (not --no-backup).</summary>
    public bool KeepOverlayBackups { get; init; } = true;

    /// <summary>
    /// The bus of every disk without a --disk-interface: IDE, which every x86 guest can drive (BIOS, boot sectors,
    /// installers without virtio drivers); a virtio-only guest asks for virtio.
    /// </summary>
    public const QemuDiskInterface DefaultDiskInterface = QemuDiskInterface.Ide;

    /// <summary>How many disks the guest gets: the --gpt disk (when composed), then the disks given.</summary>
    public int DiskCount => Disks.Length + (GptPartitions.Length > 0 ? 1 : 0);

    /// <summary>The bus of the disk at <paramref name="position"/> in boot order (the --gpt disk, when given, is 0).</summary>
    public QemuDiskInterface DiskInterfaceAt(int position) => DiskInterfaces switch
    {
        [] => DefaultDiskInterface,
        [QemuDiskInterface all] => all,
        _ => position < DiskInterfaces.Length ? DiskInterfaces[position] : DefaultDiskInterface,
    };

    /// <summary>Refuses options that do not go together (the parser cannot see these), before anything is opened.</summary>
    /// <exception cref="UsageException">The first such combination.</exception>
    public void Validate()
    {
        if (Kernel is null && (Initrd is not null || Append is not null))
        {
            throw new UsageException("--initrd and --append need --kernel.");
        }
        if (Overlays.Length > Disks.Length)
        {
            throw new UsageException($"{Overlays.Length} --overlay options for {Disks.Length} disks; each overlay goes with the disk in the same position.");
        }
        if (Disks.Length == 0 && GptPartitions.Length == 0)
        {
            throw new UsageException("Give at least one disk, or --gpt LABEL=IMAGE....");
        }
        if (DiskInterfaces.Length > 1 && DiskInterfaces.Length > DiskCount)
        {
            throw new UsageException($"{DiskInterfaces.Length} --disk-interface options for {DiskCount} disks; give one for every disk, or one per disk in boot order (the --gpt disk first).");
        }
        if (!KeepOverlayBackups && !ResetOverlays)
        {
            throw new UsageException("--no-backup goes with --reset-overlay.");
        }
        if (ResetOverlays && Overlays.Length == 0)
        {
            throw new UsageException("--reset-overlay needs --overlay: it starts the overlays given over.");
        }
        if (GptBootCode is not null && GptPartitions.Length == 0)
        {
            throw new UsageException("--boot-code needs --gpt: it goes into the composed disk's protective MBR.");
        }
    }
}
