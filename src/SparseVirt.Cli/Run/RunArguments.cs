using System.CommandLine;
using System.Globalization;
using SparseVirt.Cli.Infrastructure;
using SparseVirt.Cli.Layouts;
using SparseVirt.Qemu;

namespace SparseVirt.Cli.Run;

/// <summary>
/// The arguments and options of <c>sparsevirt run</c>, declared once (in help order), and read into a
/// <see cref="RunRequest"/>: the numbers are parsed here, so a bad one is a usage error naming its option.
/// </summary>
internal sealed class RunArguments
{
    public RunArguments()
    {
        Accel.AcceptOnlyFromAmong("auto", "kvm", "tcg");
    }

    public Argument<string[]> Disks { get; } = new("disks")
    {
        Description = "Disk images to attach, in boot order: Android sparse images (served over NBD as they are, or expanded with --expand), raw images or qcow2.",
        Arity = ArgumentArity.ZeroOrMore,
    };

    public Option<string[]> Gpt { get; } = new("--gpt")
    {
        Description = "Boot first a GPT disk composed of LABEL=IMAGE partitions (raw, sparse, or SUPER:PARTITION), laid out as the emulator does and served over NBD: nothing is written, guest writes are discarded. It takes the words up to the next option, so give the disks before it (or after --).",
        Arity = ArgumentArity.OneOrMore,
        AllowMultipleArgumentsPerToken = true,
    };

    public Option<string?> BootCode { get; } = BootCodeOption.Create("--gpt disk");

    public Option<string> Memory { get; } = new("--memory", "-m") { Description = "Guest memory, e.g. 512M or 2G.", DefaultValueFactory = _ => "512M" };

    public Option<int> Cpus { get; } = new("--cpus") { Description = "Virtual CPUs.", DefaultValueFactory = _ => 1 };

    public Option<string?> Kernel { get; } = new("--kernel") { Description = "Boot this kernel directly instead of from the disks." };

    public Option<string?> Initrd { get; } = new("--initrd") { Description = "Initial ramdisk for --kernel." };

    public Option<string?> Append { get; } = new("--append") { Description = "Kernel command line for --kernel." };

    public Option<string> Accel { get; } = new("--accel")
    {
        Description = "Accelerator: auto (KVM when the capability check's trial guest ran at hardware speed, otherwise TCG), kvm (fails at once where the check says KVM cannot run a guest), or tcg.",
        DefaultValueFactory = _ => "auto",
    };

    public Option<string> Serial { get; } = new("--serial") { Description = "Where the guest's serial console goes: stdio (this terminal) or a file path.", DefaultValueFactory = _ => "stdio" };

    public Option<string[]> Forward { get; } = new("--forward")
    {
        Description = "Forward a host TCP port to the guest, HOST:GUEST (repeatable); enables user-mode networking.",
        Arity = ArgumentArity.ZeroOrMore,
    };

    public Option<string> Machine { get; } = new("--machine") { Description = "QEMU machine type.", DefaultValueFactory = _ => "q35" };

    public Option<double?> Timeout { get; } = new("--timeout") { Description = "Stop the guest (gracefully, then forcefully) after this many seconds." };

    public Option<double> StopTimeout { get; } = new("--stop-timeout")
    {
        Description = "On Ctrl+C or --timeout, seconds to wait for the guest to power off before QEMU is told to quit (then killed).",
        DefaultValueFactory = _ => 10,
    };

    public Option<string?> Cache { get; } = new("--cache") { Description = "Folder for expanded sparse disks (default: $SPARSEVIRT_CACHE or ~/.cache/sparsevirt/disks)." };

    public Option<string?> Qemu { get; } = new("--qemu") { Description = "The QEMU binary (default: qemu-system-x86_64 on PATH)." };

    public Option<string[]> Overlay { get; } = new("--overlay")
    {
        Description = "A qcow2 overlay for the disk given in the same position (repeatable; the --gpt disk takes none): the guest's writes persist in it across runs and the disk is never written. Created with qemu-img when missing; reused while the disk's content is the one it was made over (a touched or copied disk with the same bytes keeps it); otherwise refused and left untouched (see --reset-overlay). An overlay made with qemu-img over the same disk is taken over.",
        Arity = ArgumentArity.ZeroOrMore,
    };

    public Option<string[]> DiskInterface { get; } = new("--disk-interface")
    {
        HelpName = "virtio|scsi|ide",
        Description = "The bus the guest sees a disk on: ide (the default: ide-hd, which is AHCI on q35), virtio (virtio-blk) or scsi (scsi-hd on a virtio-scsi controller). One value for every disk, or one per disk in boot order (the --gpt disk first, then the disks given); disks past the last value get ide.",
        Arity = ArgumentArity.ZeroOrMore,
    };

    public Option<bool> ResetOverlay { get; } = new("--reset-overlay")
    {
        Description = "Start each --overlay over with an empty one, keeping the old file beside it as NAME.bak-TIMESTAMP (unless --no-backup). Without it an overlay that is not over the disk given is refused and left untouched.",
    };

    public Option<bool> NoBackup { get; } = new("--no-backup") { Description = "With --reset-overlay, delete the old overlays instead of keeping them as NAME.bak-TIMESTAMP." };

    public Option<bool> Expand { get; } = new("--expand") { Description = "Expand Android sparse images into the cache and boot the copies, instead of serving them over NBD straight from their chunk tables." };

    public Option<bool> RetryOnTcg { get; } = new("--retry-on-tcg")
    {
        Description = "When the hardware accelerator fails to run the guest (QEMU stops it with run state internal-error, as KVM does on a host whose KVM cannot emulate an instruction), boot it again on TCG instead of failing.",
    };

    public Option<bool> AllowNoQemu { get; } = new("--allow-no-qemu") { Description = "When QEMU is not installed, prepare the disks, say so, and exit 0 instead of failing." };

    /// <summary>Adds the argument and the options to <paramref name="command"/>, in the order help lists them.</summary>
    public void AddTo(Command command)
    {
        command.Arguments.Add(Disks);
        Option[] options =
        [
            Gpt, BootCode, Overlay, ResetOverlay, NoBackup, DiskInterface, Memory, Cpus, Kernel, Initrd, Append, Accel, Serial,
            Forward, Machine, Timeout, StopTimeout, Cache, Qemu, Expand, RetryOnTcg, AllowNoQemu,
        ];
        foreach (Option option in options)
        {
            command.Options.Add(option);
        }
    }

    /// <summary>The values given, parsed (a bad number is a <see cref="UsageException"/> naming its option).</summary>
    public RunRequest Read(VerbContext context) => new()
    {
        Disks = context.GetValue(Disks) ?? [],
        Overlays = context.GetValue(Overlay) ?? [],
        DiskInterfaces = [.. (context.GetValue(DiskInterface) ?? []).Select(ParseDiskInterface)],
        Memory = ParseMemory(context.GetValue(Memory)),
        Cpus = ParseCpus(context.GetValue(Cpus)),
        Kernel = context.GetValue(Kernel),
        Initrd = context.GetValue(Initrd),
        Append = context.GetValue(Append),
        Accelerator = context.GetValue(Accel),
        Serial = context.GetValue(Serial),
        Forwards = [.. (context.GetValue(Forward) ?? []).Select(ParseForward)],
        Machine = context.GetValue(Machine),
        Timeout = context.GetValue(Timeout) is double seconds ? ParseSeconds("--timeout", seconds, allowZero: false) : null,
        StopTimeout = ParseSeconds("--stop-timeout", context.GetValue(StopTimeout), allowZero: true),
        CacheFolder = context.GetValue(Cache) ?? SparseDiskCache.DefaultFolder(),
        QemuBinary = context.GetValue(Qemu),
        AllowNoQemu = context.GetValue(AllowNoQemu),
        Expand = context.GetValue(Expand),
        GptPartitions = context.GetValue(Gpt) ?? [],
        GptBootCode = context.GetValue(BootCode),
        RetryOnTcg = context.GetValue(RetryOnTcg),
        ResetOverlays = context.GetValue(ResetOverlay),
        KeepOverlayBackups = !context.GetValue(NoBackup),
    };

    internal static QemuMemorySize ParseMemory(string text)
    {
        string value = text.Trim();
        long multiplier = 1024 * 1024;
        char unit = value.Length > 0 ? char.ToUpperInvariant(value[^1]) : ' ';
        if (unit is 'M' or 'G')
        {
            multiplier = unit == 'G' ? 1024L * 1024 * 1024 : 1024 * 1024;
            value = value[..^1];
        }
        if (!long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out long amount) || amount <= 0)
        {
            throw new UsageException($"--memory '{text}' is not a size like 512M or 2G.");
        }
        return new QemuMemorySize(checked(amount * multiplier));
    }

    internal static int ParseCpus(int cpus) =>
        cpus >= 1 ? cpus : throw new UsageException($"--cpus {cpus.ToString(CultureInfo.InvariantCulture)} is not a number of virtual CPUs (1 or more).");

    /// <summary>A number of seconds a timer can hold (up to int.MaxValue milliseconds, about 24 days).</summary>
    internal static TimeSpan ParseSeconds(string option, double seconds, bool allowZero)
    {
        const double MaxSeconds = int.MaxValue / 1000.0;
        if (!double.IsFinite(seconds) || seconds < 0 || (seconds == 0 && !allowZero) || seconds > MaxSeconds)
        {
            throw new UsageException($"{option} {seconds.ToString(CultureInfo.InvariantCulture)} is not a number of seconds from {(allowZero ? "0" : "more than 0")} to {MaxSeconds.ToString("0", CultureInfo.InvariantCulture)}.");
        }
        return TimeSpan.FromSeconds(seconds);
    }

    internal static QemuDiskInterface ParseDiskInterface(string text) => text.Trim().ToUpperInvariant() switch
    {
        "IDE" => QemuDiskInterface.Ide,
        "VIRTIO" => QemuDiskInterface.VirtioBlock,
        "SCSI" => QemuDiskInterface.Scsi,
        _ => throw new UsageException($"--disk-interface '{text}' is not virtio, scsi or ide."),
    };

    internal static QemuPortForward ParseForward(string text)
    {
        string[] parts = text.Split(':');
        if (parts.Length != 2
            || !int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out int host) || host is < 1 or > 65535
            || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out int guest) || guest is < 1 or > 65535)
        {
            throw new UsageException($"--forward '{text}' is not HOST:GUEST with two port numbers from 1 to 65535.");
        }
        return new QemuPortForward(host, guest);
    }
}
