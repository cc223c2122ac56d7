using System.CommandLine;
using System.Globalization;
using Microsoft.Extensions.Logging;
using SparseVirt.Cli.Infrastructure;
using SparseVirt.Cli.Layouts;
using SparseVirt.Cli.Run;
using SparseVirt.Hypervisor;
using SparseVirt.Qemu;
using SparseVirt.Qemu.Disks;
using SparseVirt.Sparse;

namespace SparseVirt.Cli.Commands;

/// <summary><c>sparsevirt run DISK...</c>: boots disks (Android sparse images as they are) in QEMU on the best accelerator.</summary>
internal static class RunCommand
{
    public static Command Create(CliConsole console)
    {
        var disks = new Argument<string[]>("disks")
        {
            Description = "Disk images to attach, in boot order: Android sparse images (served over NBD as they are, or expanded with --expand), raw images or qcow2.",
            Arity = ArgumentArity.ZeroOrMore,
        };
        var gpt = new Option<string[]>("--gpt")
        {
            Description = "Boot first a GPT disk composed of LABEL=IMAGE partitions (raw, sparse, or SUPER:PARTITION), laid out as the emulator does and served over NBD: nothing is written, guest writes are discarded.",
            Arity = ArgumentArity.OneOrMore,
            AllowMultipleArgumentsPerToken = true,
        };
        var bootCode = BootCodeOption.Create("--gpt disk");
        var memory = new Option<string>("--memory", "-m") { Description = "Guest memory, e.g. 512M or 2G.", DefaultValueFactory = _ => "512M" };
        var cpus = new Option<int>("--cpus") { Description = "Virtual CPUs.", DefaultValueFactory = _ => 1 };
        var kernel = new Option<string?>("--kernel") { Description = "Boot this kernel directly instead of from the disks." };
        var initrd = new Option<string?>("--initrd") { Description = "Initial ramdisk for --kernel." };
        var append = new Option<string?>("--append") { Description = "Kernel command line for --kernel." };
        var accel = new Option<string>("--accel")
        {
            Description = "Accelerator: auto (KVM when the capability check's trial guest ran at hardware speed, otherwise TCG), kvm (fails at once where the check says KVM cannot run a guest), or tcg.",
            DefaultValueFactory = _ => "auto",
        };
        accel.AcceptOnlyFromAmong("auto", "kvm", "tcg");
        var serial = new Option<string>("--serial") { Description = "Where the guest's serial console goes: stdio (this terminal) or a file path.", DefaultValueFactory = _ => "stdio" };
        var forward = new Option<string[]>("--forward")
        {
            Description = "Forward a host TCP port to the guest, HOST:GUEST (repeatable); enables user-mode networking.",
            Arity = ArgumentArity.ZeroOrMore,
        };
        var machine = new Option<string>("--machine") { Description = "QEMU machine type.", DefaultValueFactory = _ => "q35" };
        var timeout = new Option<double?>("--timeout") { Description = "Stop the guest (gracefully, then forcefully) after this many seconds." };
        var stopTimeout = new Option<double>("--stop-timeout")
        {
            Description = "On Ctrl+C or --timeout, seconds to wait for the guest to power off before QEMU is told to quit (then killed).",
            DefaultValueFactory = _ => 10,
        };
        var cache = new Option<string?>("--cache") { Description = "Folder for expanded sparse disks (default: $SPARSEVIRT_CACHE or ~/.cache/sparsevirt/disks)." };
        var qemu = new Option<string?>("--qemu") { Description = "The QEMU binary (default: qemu-system-x86_64 on PATH)." };
        var overlay = new Option<string[]>("--overlay")
        {
            Description = "A qcow2 overlay for the disk in the same position (repeatable): the guest's writes persist in it across runs and the disk is never written. Created with qemu-img when missing; reused while the disk's content is the one it was made over (a touched or copied disk with the same bytes keeps it); otherwise refused and left untouched (see --reset-overlay). An overlay made with qemu-img over the same disk is taken over.",
            Arity = ArgumentArity.ZeroOrMore,
        };
        var resetOverlay = new Option<bool>("--reset-overlay")
        {
            Description = "Start each --overlay over with an empty one, keeping the old file beside it as NAME.bak-TIMESTAMP (unless --no-backup). Without it an overlay that is not over the disk given is refused and left untouched.",
        };
        var noBackup = new Option<bool>("--no-backup") { Description = "With --reset-overlay, delete the old overlays instead of keeping them as NAME.bak-TIMESTAMP." };
        var expand = new Option<bool>("--expand") { Description = "Expand Android sparse images into the cache and boot the copies, instead of serving them over NBD straight from their chunk tables." };
        var retryOnTcg = new Option<bool>("--retry-on-tcg")
        {
            Description = "When the hardware accelerator fails to run the guest (QEMU stops it with run state internal-error, as KVM does on a host whose KVM cannot emulate an instruction), boot it again on TCG instead of failing.",
        };
        var allowNoQemu = new Option<bool>("--allow-no-qemu") { Description = "When QEMU is not installed, prepare the disks, say so, and exit 0 instead of failing." };

        var command = new Command("run", """
            Boot disks in QEMU. Android sparse images are accepted as they are and served to QEMU over NBD by this
            process straight from their chunk tables: nothing is expanded, and the guest's writes go to a temporary
            overlay (discarded), or to the --overlay given for the disk in the same position (they persist there, and
            the image is never written). --expand instead expands each once into a cache. What the QEMU binary
            supports is probed once and kept in ~/.cache/sparsevirt/qemu-probes ($XDG_CACHE_HOME honoured) until the
            binary changes. The exit code is 0 when the guest powered off by itself, 1 when QEMU failed, and 130 when
            stopped with Ctrl+C.
            """)
        {
            disks, gpt, bootCode, overlay, resetOverlay, noBackup, memory, cpus, kernel, initrd, append, accel, serial, forward, machine, timeout, stopTimeout, cache, qemu, expand, retryOnTcg, allowNoQemu,
        };

        VerbRunner.SetAction(command, console, async (context, cancellationToken) =>
        {
            var request = new RunRequest(
                context.GetValue(disks),
                context.GetValue(overlay) ?? [],
                ParseMemory(context.GetValue(memory)),
                ParseCpus(context.GetValue(cpus)),
                context.GetValue(kernel),
                context.GetValue(initrd),
                context.GetValue(append),
                context.GetValue(accel),
                context.GetValue(serial),
                (context.GetValue(forward) ?? []).Select(ParseForward).ToArray(),
                context.GetValue(machine),
                context.GetValue(timeout) is double seconds ? ParseSeconds("--timeout", seconds, allowZero: false) : null,
                ParseSeconds("--stop-timeout", context.GetValue(stopTimeout), allowZero: true),
                context.GetValue(cache) ?? SparseDiskCache.DefaultFolder(),
                context.GetValue(qemu),
                context.GetValue(allowNoQemu))
            {
                Expand = context.GetValue(expand),
                GptPartitions = context.GetValue(gpt) ?? [],
                GptBootCode = context.GetValue(bootCode),
                RetryOnTcg = context.GetValue(retryOnTcg),
                ResetOverlays = context.GetValue(resetOverlay),
                KeepOverlayBackups = !context.GetValue(noBackup),
            };
            return await RunAsync(context, request, cancellationToken).ConfigureAwait(false);
        });
        return command;
    }

    private static async Task<int> RunAsync(VerbContext context, RunRequest request, CancellationToken cancellationToken)
    {
        TextWriter error = context.Console.Error;
        if (request.Kernel is null && (request.Initrd is not null || request.Append is not null))
        {
            throw new UsageException("--initrd and --append need --kernel.");
        }

        // Disks first: a corrupt sparse image fails here, before QEMU is ever started.
        var cacheStore = new SparseDiskCache(request.CacheFolder, (source, destination, token) => ExpandAsync(context, source, destination, token));
        if (request.Overlays.Length > request.Disks.Length)
        {
            throw new UsageException($"{request.Overlays.Length} --overlay options for {request.Disks.Length} disks; each overlay goes with the disk in the same position.");
        }
        if (request.Disks.Length == 0 && request.GptPartitions.Length == 0)
        {
            throw new UsageException("Give at least one disk, or --gpt LABEL=IMAGE....");
        }
        if (!request.KeepOverlayBackups && !request.ResetOverlays)
        {
            throw new UsageException("--no-backup goes with --reset-overlay.");
        }
        if (request.ResetOverlays && request.Overlays.Length == 0)
        {
            throw new UsageException("--reset-overlay needs --overlay: it starts the overlays given over.");
        }
        if (request.GptBootCode is not null && request.GptPartitions.Length == 0)
        {
            throw new UsageException("--boot-code needs --gpt: it goes into the composed disk's protective MBR.");
        }
        await using var served = new SparseDiskServer(context.LoggerFactory);
        var prepared = new List<Func<Task<QemuDisk>>>();
        int firstBootIndex = 1;
        if (request.GptPartitions.Length > 0)
        {
            // The composed disk reads through to its images: the server owns them, and the guest boots it first.
            var inputs = new ImageInputs();
            string name = served.Add(inputs.ComposeGpt(request.GptPartitions, request.GptBootCode).Disk, writable: true, owner: inputs);
            await context.Console.Error.WriteLineAsync($"GPT disk of {string.Join(' ', request.GptPartitions)}: composed and served over NBD (nothing written)").ConfigureAwait(false);
            int? gptBoot = request.Kernel is null ? firstBootIndex++ : null;
            prepared.Add(() => Task.FromResult(new QemuDisk(served.Export(name)).WithInterface(QemuDiskInterface.Ide).WithBootIndex(gptBoot)));
        }
        for (int i = 0; i < request.Disks.Length; i++)
        {
            string path = request.Disks[i];
            string? overlayPath = i < request.Overlays.Length ? request.Overlays[i] : null;
            int? bootIndex = request.Kernel is null ? i + firstBootIndex : null;
            if (!request.Expand && File.Exists(path) && SparseImage.IsSparseImage(path))
            {
                // Opened and checked now (a bad image fails before anything starts); attached once the server listens.
                string name = served.Add(path, writable: overlayPath is null);
                await context.Console.Error.WriteLineAsync($"{path}: Android sparse image, served over NBD from its chunk table (nothing expanded)").ConfigureAwait(false);
                prepared.Add(async () =>
                {
                    QemuNbdExport export = served.Export(name);
                    // The socket is new on every run: the image file, not the export, is what the overlay is over.
                    QemuDisk disk = overlayPath is null ? new QemuDisk(export) : await OverlayDiskAsync(context, request, export, path, overlayPath, cancellationToken).ConfigureAwait(false);
                    return disk.WithInterface(QemuDiskInterface.Ide).WithBootIndex(bootIndex);
                });
            }
            else
            {
                QemuDisk disk = await PrepareDiskAsync(context, request, cacheStore, path, overlayPath, bootIndex, cancellationToken).ConfigureAwait(false);
                prepared.Add(() => Task.FromResult(disk));
            }
        }
        if (!served.IsEmpty)
        {
            await served.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        var attached = new List<QemuDisk>();
        foreach (Func<Task<QemuDisk>> prepare in prepared)
        {
            attached.Add(await prepare().ConfigureAwait(false));
        }

        QemuMachineDefinition definition = await ChooseAcceleratorAsync(context, BuildDefinition(request, attached), request.Accelerator, cancellationToken).ConfigureAwait(false);
        string binary;
        try
        {
            binary = definition.ResolveBinaryPath();
        }
        catch (QemuBinaryNotFoundException e) when (request.AllowNoQemu)
        {
            await error.WriteLineAsync($"QEMU is not installed ({e.Message}); the disks are ready: {string.Join(", ", attached.Select(d => d.Path))}. Install qemu-system-x86 to boot them.").ConfigureAwait(false);
            return ExitCodes.Success;
        }

        definition = definition.WithBinaryPath(binary);
        (int exitCode, bool acceleratorFailed) = await BootAsync(context, definition, request, cancellationToken).ConfigureAwait(false);
        if (acceleratorFailed && request.RetryOnTcg && !definition.Accelerators.SequenceEqual([QemuAccelerator.Tcg]))
        {
            await error.WriteLineAsync("--retry-on-tcg: booting the guest again on TCG (software emulation).").ConfigureAwait(false);
            (exitCode, _) = await BootAsync(context, definition.WithAccelerators(QemuAccelerator.Tcg), request, cancellationToken).ConfigureAwait(false);
        }
        return exitCode;
    }

    private static async Task<QemuDisk> PrepareDiskAsync(VerbContext context, RunRequest request, SparseDiskCache cache, string path, string? overlayPath, int? bootIndex, CancellationToken cancellationToken)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"Disk '{path}' does not exist.", path);
        }
        QemuDisk disk;
        if (SparseImage.IsSparseImage(path))
        {
            (string rawPath, bool reused) = await cache.GetOrExpandAsync(path, cancellationToken).ConfigureAwait(false);
            await context.Console.Error.WriteLineAsync(reused
                ? $"{path}: Android sparse image, expanded copy reused from the cache ({rawPath})"
                : $"{path}: Android sparse image, expanded into the cache ({rawPath})").ConfigureAwait(false);
            // The cached copy is shared by later runs: the guest's writes go to a throw-away overlay, or the one asked for.
            disk = overlayPath is null
                ? new QemuDisk(rawPath, QemuDiskFormat.Raw).WithSnapshot()
                : await OverlayDiskAsync(context, request, new QemuImageFile(rawPath, QemuDiskFormat.Raw), path, overlayPath, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            var image = new QemuImageFile(Path.GetFullPath(path), IsQcow2(path) ? QemuDiskFormat.Qcow2 : QemuDiskFormat.Raw);
            disk = overlayPath is null ? new QemuDisk(image) : await OverlayDiskAsync(context, request, image, path, overlayPath, cancellationToken).ConfigureAwait(false);
        }
        return disk.WithInterface(QemuDiskInterface.Ide).WithBootIndex(bootIndex);
    }

    /// <summary>
    /// The overlay for a disk, its base identified by the content of <paramref name="diskPath"/> (the image the user
    /// named: a sparse image's expanded copy or NBD socket may change, its file does not).
    /// </summary>
    private static async Task<QemuDisk> OverlayDiskAsync(VerbContext context, RunRequest request, QemuDiskSource image, string diskPath, string overlayPath, CancellationToken cancellationToken)
    {
        var overlay = new QemuOverlay(Path.GetFullPath(overlayPath), image).WithIdentitySource(diskPath);
        QemuImageToolOptions tool = QemuImageToolOptions.Default.WithLogger(context.LoggerFactory.CreateLogger("SparseVirt.Qemu.Disks"));
        QemuOverlayPreparation prepared = request.ResetOverlays
            ? await QemuOverlayFiles.ResetAsync(overlay, request.KeepOverlayBackups, tool, cancellationToken).ConfigureAwait(false)
            : await QemuOverlayFiles.EnsureAsync(overlay, tool, cancellationToken).ConfigureAwait(false);
        await context.Console.Error.WriteLineAsync(prepared.Action switch
        {
            QemuOverlayAction.Reused => $"{overlayPath}: overlay reused, with the guest's earlier writes",
            QemuOverlayAction.Adopted => $"{overlayPath}: overlay taken over, with its writes ({prepared.Reason})",
            QemuOverlayAction.Recreated => $"{overlayPath}: overlay started over empty ({prepared.Reason})",
            _ => $"{overlayPath}: overlay created over {diskPath}",
        }).ConfigureAwait(false);
        return new QemuDisk(overlay);
    }

    private static async Task ExpandAsync(VerbContext context, string source, string destination, CancellationToken cancellationToken)
    {
        ILogger logger = context.LoggerFactory.CreateLogger("SparseVirt.Sparse");
        using ExpandProgress? progress = ExpandProgress.ForTerminal(context.Console, $"Expanding {Path.GetFileName(source)}");
        await SparseImage.ToRawAsync(source, destination, SparseExpandOptions.Default.WithLogger(logger), progress, cancellationToken).ConfigureAwait(false);
    }

    private static async Task<QemuMachineDefinition> ChooseAcceleratorAsync(VerbContext context, QemuMachineDefinition definition, string choice, CancellationToken cancellationToken)
    {
        if (choice == "tcg")
        {
            return definition.WithAccelerators(QemuAccelerator.Tcg);
        }
        HostVirtualizationReport report = await HostVirtualization.DetectAsync(cancellationToken).ConfigureAwait(false);
        if (choice == "kvm")
        {
            // Never wait in a guest that cannot boot: a KVM the check finds unable to run a guest fails here, at once.
            if (AcceleratorChoice.VerdictOn(report, Accelerator.Kvm) is not { IsUsable: true })
            {
                VirtualizationVerdict verdict = AcceleratorChoice.VerdictOn(report, Accelerator.Kvm)?.Verdict ?? report.Verdict;
                throw new InvalidOperationException(
                    $"--accel kvm: KVM cannot run this guest here ({verdict.Status}: {verdict.Reason}). Use --accel auto or tcg; 'sparsevirt check' says what to do.");
            }
            return definition.WithAccelerators(QemuAccelerator.Kvm);
        }

        QemuAccelerator best = AcceleratorChoice.Best(report);
        if (best != QemuAccelerator.Tcg)
        {
            string name = best.ToString().ToUpperInvariant();
            await context.Console.Error.WriteLineAsync($"{name}: ready; booting with {name}.").ConfigureAwait(false);
            return definition.WithAccelerators(best);
        }
        string own = report.Accelerators.Count > 0 ? report.Accelerators[0].Accelerator.ToString().ToUpperInvariant() : "KVM";
        await context.Console.Error.WriteLineAsync($"{own}: not available ({report.Verdict.Status}: {report.Verdict.Reason}); booting with TCG (software emulation, slower). Run 'sparsevirt check' for what to do.").ConfigureAwait(false);
        return definition.WithAccelerators(QemuAccelerator.Tcg);
    }

    private static QemuMachineDefinition BuildDefinition(RunRequest request, List<QemuDisk> disks)
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
        foreach (QemuDisk disk in disks)
        {
            definition = definition.WithDisk(disk);
        }
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

    /// <summary>Boots once; the exit code, and whether the accelerator failed to run the guest (QEMU's internal-error).</summary>
    private static async Task<(int ExitCode, bool AcceleratorFailed)> BootAsync(VerbContext context, QemuMachineDefinition definition, RunRequest request, CancellationToken cancellationToken)
    {
        TextWriter error = context.Console.Error;
        // The binary's probe is kept between runs (as libvirt keeps QEMU's capabilities): without it every run
        // waits for a probe about as long as QEMU's own start.
        QemuLaunchOptions launch = QemuLaunchOptions.Default
            .WithLogger(context.LoggerFactory.CreateLogger("SparseVirt.Qemu"))
            .WithProbeCacheDirectory(SparseDiskCache.ProbeFolder());
        await using QemuMachine machine = await QemuMachine.StartAsync(definition, launch, progress: null, cancellationToken).ConfigureAwait(false);
        await error.WriteLineAsync($"QEMU started (pid {machine.ProcessId}); accelerator in use: {machine.Accelerator.ToString().ToUpperInvariant()}.").ConfigureAwait(false);

        Task serialPump = machine.Serial is { } capture ? PumpSerialAsync(capture, context.Console.Out) : Task.CompletedTask;
        await machine.Qmp.ResumeAsync(cancellationToken).ConfigureAwait(false);
        using var timeoutSource = request.Timeout is TimeSpan limit ? new CancellationTokenSource(limit) : new CancellationTokenSource();
        using var stopWhen = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeoutSource.Token);
        int exitCode;
        try
        {
            exitCode = await machine.WaitForGuestAsync(stopWhen.Token).ConfigureAwait(false);
        }
        catch (QemuGuestStoppedException stopped)
        {
            // QEMU would wait, stopped, for ever: say why, end it, and let the caller decide about TCG.
            await error.WriteLineAsync(stopped.Message).ConfigureAwait(false);
            await machine.StopAsync(TimeSpan.Zero, forcefulCancellation: context.Console.UrgentStop).ConfigureAwait(false);
            await serialPump.ConfigureAwait(false);
            if (stopped.IsAcceleratorFailure && !request.RetryOnTcg)
            {
                await error.WriteLineAsync("Boot it on TCG with --accel tcg, or add --retry-on-tcg; 'sparsevirt check' tells whether this KVM can run a guest.").ConfigureAwait(false);
            }
            return (ExitCodes.Failure, stopped.IsAcceleratorFailure);
        }
        catch (OperationCanceledException) when (stopWhen.IsCancellationRequested)
        {
            string why = cancellationToken.IsCancellationRequested ? "interrupted" : $"--timeout of {request.Timeout!.Value.TotalSeconds.ToString(CultureInfo.InvariantCulture)} s reached";
            await error.WriteLineAsync($"{why}: asking the guest to power off (escalating after {request.StopTimeout.TotalSeconds.ToString(CultureInfo.InvariantCulture)} s; Ctrl+C again stops it at once)...").ConfigureAwait(false);
            QemuStopResult stop = await machine.StopAsync(request.StopTimeout, forcefulCancellation: context.Console.UrgentStop).ConfigureAwait(false);
            await serialPump.ConfigureAwait(false);
            await error.WriteLineAsync($"The guest was stopped ({stop.Method}).").ConfigureAwait(false);
            return (cancellationToken.IsCancellationRequested ? ExitCodes.Canceled : ExitCodes.Failure, false);
        }

        await serialPump.ConfigureAwait(false);
        if (exitCode == 0)
        {
            await error.WriteLineAsync("The guest powered off.").ConfigureAwait(false);
            return (ExitCodes.Success, false);
        }
        await error.WriteLineAsync($"QEMU exited with code {exitCode}: {LastLine(machine.StandardErrorTail)}").ConfigureAwait(false);
        return (ExitCodes.Failure, false);
    }

    private static async Task PumpSerialAsync(QemuSerialCapture capture, TextWriter output)
    {
        await foreach (string line in capture.ReadLinesAsync().ConfigureAwait(false))
        {
            await output.WriteLineAsync(line).ConfigureAwait(false);
            await output.FlushAsync().ConfigureAwait(false);
        }
    }

    private static string LastLine(string text) => text.TrimEnd().Split('\n').LastOrDefault() ?? "";

    private static bool IsQcow2(string path)
    {
        using FileStream stream = File.OpenRead(path);
        Span<byte> magic = stackalloc byte[4];
        return stream.ReadAtLeast(magic, 4, throwOnEndOfStream: false) == 4 && magic[0] == 'Q' && magic[1] == 'F' && magic[2] == 'I' && magic[3] == 0xFB;
    }

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

    private sealed record RunRequest(
        string[] Disks,
        string[] Overlays,
        QemuMemorySize Memory,
        int Cpus,
        string? Kernel,
        string? Initrd,
        string? Append,
        string Accelerator,
        string Serial,
        QemuPortForward[] Forwards,
        string Machine,
        TimeSpan? Timeout,
        TimeSpan StopTimeout,
        string CacheFolder,
        string? QemuBinary,
        bool AllowNoQemu)
    {
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
    }
}
