using SparseVirt.Qemu;
using SparseVirt.Qemu.Qmp;
using SparseVirt.Tests.Infrastructure;
using SparseVirt.Tests.TestGuests;

namespace SparseVirt.Tests.Qemu;

/// <summary>Starting, talking to and stopping the real QEMU (TCG; machine "none" where no guest code is needed).</summary>
[TestFixture]
[CancelAfter(120_000)]
public sealed class QemuMachineTests
{
    [Test]
    public async Task A_bare_machine_starts_negotiates_QMP_pauses_resumes_and_quits_with_a_SHUTDOWN_event()
    {
        await using QemuMachine machine = await QemuMachine.StartAsync(QemuTestMachines.Bare(), QemuTestMachines.Options);
        Assert.That(QemuTestMachines.ProcessIsGone(machine.ProcessId), Is.False);
        Assert.That(machine.Arguments, Does.Contain("-nodefaults").And.Contain("-no-user-config"));

        QmpVersionInfo version = await machine.Qmp.QueryVersionAsync();
        Assert.That(version, Is.EqualTo(machine.Qmp.Greeting.Version));
        Assert.That(version.Qemu.Major, Is.GreaterThanOrEqualTo(2));
        Assert.That((await machine.Qmp.QueryStatusAsync()).Status, Is.EqualTo("running"));
        Assert.That(await machine.Qmp.QueryBlockAsync(), Is.Empty);
        Assert.That(await machine.Qmp.HumanMonitorCommandAsync("info version"), Does.StartWith($"{version.Qemu.Major}.{version.Qemu.Minor}"));
        Assert.That((await machine.Qmp.ExecuteAsync("query-name")).GetProperty("name").GetString(), Is.EqualTo("sparsevirt-test"));

        Task<QmpEvent> stopped = machine.Qmp.WaitForEventAsync("STOP", QemuTestMachines.EventTimeout);
        await machine.Qmp.PauseAsync();
        await stopped;
        QmpStatusInfo paused = await machine.Qmp.QueryStatusAsync();
        Assert.That(paused.Running, Is.False);
        Assert.That(paused.Status, Is.EqualTo("paused"));

        Task<QmpEvent> resumed = machine.Qmp.WaitForEventAsync("RESUME", QemuTestMachines.EventTimeout);
        await machine.Qmp.ResumeAsync();
        await resumed;
        Assert.That((await machine.Qmp.QueryStatusAsync()).Running, Is.True);

        var error = await Assert.ThrowsAsync<QmpErrorException>(() => machine.Qmp.ExecuteAsync("no-such-command"));
        Assert.That(error!.ErrorClass, Is.EqualTo("CommandNotFound"));

        Task<QmpEvent> shutdown = machine.Qmp.WaitForEventAsync("SHUTDOWN", QemuTestMachines.EventTimeout);
        QemuStopResult result = await machine.StopAsync(TimeSpan.Zero);
        Assert.That(result.Method, Is.EqualTo(QemuStopMethod.Quit));
        Assert.That(result.ExitCode, Is.Zero);
        Assert.That((await shutdown).GetDataString("reason"), Is.EqualTo("host-qmp-quit"));
        Assert.That(machine.HasExited, Is.True);
    }

    [Test]
    public async Task A_guest_boots_from_a_disk_whose_path_has_a_comma_and_a_space_and_its_serial_line_is_captured()
    {
        using var folder = new TempDirectory();
        string disk = folder.Combine("boot,disk image.raw");
        const string Line = "SparseVirt test guest: hello, serial";
        BootSectorGuest.WriteDisk(disk, Line, BootSectorGuestEnding.PowerOff);
        QemuMachineDefinition definition = QemuTestMachines.Booting(disk).WithStartPaused();

        await using QemuMachine machine = await QemuMachine.StartAsync(definition, QemuTestMachines.Options);
        Assert.That(machine.Arguments, Has.Some.Contains("boot,,disk image.raw"));
        IReadOnlyList<QmpBlockInfo> blocks = await machine.Qmp.QueryBlockAsync();
        Assert.That(blocks.Select(b => b.Inserted?.File), Has.Some.EqualTo(disk));
        Assert.That((await machine.Qmp.QueryStatusAsync()).Status, Is.EqualTo("prelaunch"));

        Task<QmpEvent> shutdown = machine.Qmp.WaitForEventAsync("SHUTDOWN", QemuTestMachines.EventTimeout);
        await machine.Qmp.ResumeAsync();
        string line = await machine.Serial!.WaitForLineAsync(l => l.Contains("SparseVirt test guest", StringComparison.Ordinal), QemuTestMachines.EventTimeout);
        Assert.That(line, Is.EqualTo(Line));
        QmpEvent shutdownEvent = await shutdown;
        Assert.That(shutdownEvent.GetDataString("reason"), Is.EqualTo("guest-shutdown"));
        Assert.That(await machine.WaitForExitAsync().WaitAsync(QemuTestMachines.EventTimeout), Is.Zero);
        Assert.That(machine.Serial.Text, Does.Contain(Line + "\n"));
        Assert.That((await machine.StopAsync(TimeSpan.FromSeconds(1))).Method, Is.EqualTo(QemuStopMethod.AlreadyExited));
    }

    [Test]
    public async Task Text_sent_to_the_captured_serial_console_reaches_the_guest()
    {
        using var folder = new TempDirectory();
        string disk = folder.Combine("echo.raw");
        BootSectorGuest.WriteDisk(disk, "echo ready", BootSectorGuestEnding.EchoInput);
        await using QemuMachine machine = await QemuMachine.StartAsync(QemuTestMachines.Booting(disk, "pc"), QemuTestMachines.Options);
        await machine.Serial!.WaitForLineAsync(l => l == "echo ready", QemuTestMachines.EventTimeout);
        await machine.Serial.SendAsync("ping from the host\n");
        Assert.That(await machine.Serial.WaitForLineAsync(l => l.StartsWith("ping", StringComparison.Ordinal), QemuTestMachines.EventTimeout), Is.EqualTo("ping from the host"));
    }

    [TestCase("pc", QemuDiskInterface.Ide)]
    [TestCase("q35", QemuDiskInterface.Ide)]
    [TestCase("q35", QemuDiskInterface.Scsi)]
    [TestCase("q35", QemuDiskInterface.Nvme)]
    public async Task Each_disk_interface_renders_a_disk_the_firmware_boots(string machineType, QemuDiskInterface diskInterface)
    {
        using var folder = new TempDirectory();
        string disk = folder.Combine("disk.raw");
        string expected = $"booted from {diskInterface} on {machineType}";
        BootSectorGuest.WriteDisk(disk, expected, BootSectorGuestEnding.PowerOff);
        QemuMachineDefinition definition = QemuTestMachines.Booting(disk, machineType, diskInterface);

        await using QemuMachine machine = await QemuMachine.StartAsync(definition, QemuTestMachines.Options);
        string line = await machine.Serial!.WaitForLineAsync(l => l.StartsWith("booted from", StringComparison.Ordinal), QemuTestMachines.EventTimeout);
        Assert.That(line, Is.EqualTo(expected));
        Assert.That(await machine.WaitForExitAsync().WaitAsync(QemuTestMachines.EventTimeout), Is.Zero);
    }

    [Test]
    public async Task A_snapshot_disk_boots_and_the_file_is_left_unchanged()
    {
        using var folder = new TempDirectory();
        string disk = folder.Combine("snapshot, disk.raw");
        BootSectorGuest.WriteDisk(disk, "snapshot boot", BootSectorGuestEnding.PowerOff);
        byte[] before = await File.ReadAllBytesAsync(disk);
        QemuMachineDefinition definition = QemuTestMachines.Bare()
            .WithMachineType("pc")
            .WithDisk(new QemuDisk(disk, QemuDiskFormat.Raw).WithSnapshot().WithCache(QemuDiskCacheMode.Writethrough).WithBootIndex(0))
            .WithSerial(QemuSerialConsole.Captured);

        await using QemuMachine machine = await QemuMachine.StartAsync(definition, QemuTestMachines.Options);
        QmpBlockInfo block = (await machine.Qmp.QueryBlockAsync()).Single();
        Assert.That(block.Inserted!.Driver, Is.EqualTo("qcow2"), "QEMU put a temporary qcow2 overlay over the file");
        Assert.That(await machine.Serial!.WaitForLineAsync(l => l == "snapshot boot", QemuTestMachines.EventTimeout), Is.EqualTo("snapshot boot"));
        await machine.WaitForExitAsync().WaitAsync(QemuTestMachines.EventTimeout);
        Assert.That(await File.ReadAllBytesAsync(disk), Is.EqualTo(before));
    }

    [Test]
    public async Task With_kvm_then_tcg_the_machine_runs_and_reports_the_accelerator_actually_used()
    {
        QemuMachineDefinition definition = QemuTestMachines.Bare().WithAccelerators(QemuAccelerator.Kvm, QemuAccelerator.Tcg);
        var logger = new RecordingLogger();
        await using QemuMachine machine = await QemuMachine.StartAsync(definition, QemuTestMachines.Options.WithLogger(logger));
        bool kvm = QemuTestMachines.KvmUsable();
        Assert.That(machine.Arguments, Is.SupersetOf(new[] { "-accel", "kvm", "tcg" }));
        Assert.That(machine.KvmStatus.Enabled, Is.EqualTo(kvm));
        Assert.That(machine.Accelerator, Is.EqualTo(kvm ? QemuAccelerator.Kvm : QemuAccelerator.Tcg));
        Assert.That((await machine.Qmp.QueryStatusAsync()).Running, Is.True);
        bool fallbackLogged = logger.Entries.Any(e => e.Level == Microsoft.Extensions.Logging.LogLevel.Warning && e.Message.Contains("fell back to accelerator Tcg", StringComparison.Ordinal));
        Assert.That(fallbackLogged, Is.EqualTo(!kvm), "a fallback to TCG is logged as a warning, never silent");
        if (!kvm)
        {
            // QEMU's own words about the fallback reach the log and the stderr tail (drained concurrently, hence the wait).
            Assert.That(() => machine.StandardErrorTail, Does.Contain("kvm").IgnoreCase.After(10_000, 20));
            Assert.That(logger.Entries.Where(e => e.Message.Contains("stderr:", StringComparison.Ordinal)), Is.Not.Empty);
        }
    }

    [Test]
    public async Task An_invalid_option_fails_the_start_with_exit_code_arguments_and_stderr_tail()
    {
        QemuMachineDefinition definition = QemuTestMachines.Bare().WithExtraArguments("-no-such-option-for-sparsevirt");
        var error = await Assert.ThrowsAsync<QemuStartException>(() => QemuMachine.StartAsync(definition, QemuTestMachines.Options));
        Assert.That(error!.ExitCode, Is.Not.Null.And.Not.Zero);
        Assert.That(error.StandardErrorTail, Does.Contain("-no-such-option-for-sparsevirt"));
        Assert.That(error.Arguments, Does.Contain("-no-such-option-for-sparsevirt"));
        Assert.That(error.Message, Does.Contain("exit code").And.Contain("invalid option"));
    }

    [Test]
    public async Task A_missing_QEMU_binary_is_reported_with_its_path()
    {
        using var folder = new TempDirectory();
        string missing = folder.Combine("qemu-system-nowhere");
        QemuMachineDefinition definition = new QemuMachineDefinition(QemuArchitecture.X86_64).WithBinaryPath(missing);
        var error = await Assert.ThrowsAsync<QemuBinaryNotFoundException>(() => QemuMachine.StartAsync(definition));
        Assert.That(error!.Message, Does.Contain(missing).And.Contain("BinaryPath"));
    }

    [Test]
    public async Task A_guest_that_honours_the_power_button_stops_gracefully()
    {
        using var folder = new TempDirectory();
        string disk = folder.Combine("polite.raw");
        BootSectorGuest.WriteDisk(disk, "waiting for the power button", BootSectorGuestEnding.PowerOffOnPowerButton);
        await using QemuMachine machine = await QemuMachine.StartAsync(QemuTestMachines.Booting(disk), QemuTestMachines.Options);
        await machine.Serial!.WaitForLineAsync(l => l == "waiting for the power button", QemuTestMachines.EventTimeout);

        Task<QmpEvent> shutdown = machine.Qmp.WaitForEventAsync("SHUTDOWN", QemuTestMachines.EventTimeout);
        QemuStopResult result = await machine.StopAsync(QemuTestMachines.EventTimeout);
        Assert.That(result, Is.EqualTo(new QemuStopResult(QemuStopMethod.GuestPowerdown, 0)));
        Assert.That((await shutdown).GetDataString("reason"), Is.EqualTo("guest-shutdown"));
        Assert.That(QemuTestMachines.ProcessIsGone(machine.ProcessId), Is.True);
    }

    [Test]
    public async Task A_guest_ignoring_the_power_button_is_escalated_to_quit_within_the_timeout()
    {
        using var folder = new TempDirectory();
        string disk = folder.Combine("stubborn.raw");
        BootSectorGuest.WriteDisk(disk, "ignoring ACPI", BootSectorGuestEnding.HaltForever);
        await using QemuMachine machine = await QemuMachine.StartAsync(QemuTestMachines.Booting(disk, "pc"), QemuTestMachines.Options);
        await machine.Serial!.WaitForLineAsync(l => l == "ignoring ACPI", QemuTestMachines.EventTimeout);

        Task<QmpEvent> powerdown = machine.Qmp.WaitForEventAsync("POWERDOWN", QemuTestMachines.EventTimeout);
        QemuStopResult result = await machine.StopAsync(TimeSpan.FromSeconds(1));
        Assert.That(result.Method, Is.EqualTo(QemuStopMethod.Quit));
        Assert.That((await powerdown).Name, Is.EqualTo("POWERDOWN"), "the power button was pressed first");
        Assert.That(QemuTestMachines.ProcessIsGone(machine.ProcessId), Is.True);
    }

    [Test]
    public async Task A_QEMU_that_no_longer_answers_is_killed_when_the_forceful_token_fires()
    {
        if (!OperatingSystem.IsLinux())
        {
            Assert.Ignore("Sends SIGSTOP by its Linux number.");
        }
        await using QemuMachine machine = await QemuMachine.StartAsync(QemuTestMachines.Bare(), QemuTestMachines.Options);
        // SIGSTOP freezes QEMU: QMP goes unanswered, so neither the power button nor quit can work.
        Assert.That(ProcessSignals.Stop(machine.ProcessId), Is.True, "SIGSTOP could not be sent");
        using var forceful = new CancellationTokenSource();
        using var graceful = new CancellationTokenSource();
        await graceful.CancelAsync();
        Task<QemuStopResult> stopping = machine.StopAsync(TimeSpan.FromMinutes(5), graceful.Token, forceful.Token);
        await forceful.CancelAsync();
        QemuStopResult result = await stopping;
        Assert.That(result.Method, Is.EqualTo(QemuStopMethod.Killed));
        Assert.That(QemuTestMachines.ProcessIsGone(machine.ProcessId), Is.True);
    }

    [Test]
    public async Task Cancelling_during_start_throws_and_leaves_no_QEMU_process()
    {
        using var cancellation = new CancellationTokenSource();
        int processId = 0;
        var progress = new SynchronousProgress<QemuStartupProgress>(report =>
        {
            if (report.Stage == QemuStartupStage.ProcessStarted)
            {
                processId = report.ProcessId;
                cancellation.Cancel();
            }
        });
        // Built outside the assertion: a missing QEMU must skip the test, not count as the expected exception.
        QemuMachineDefinition definition = QemuTestMachines.Bare();
        Assert.That(
            async () => await QemuMachine.StartAsync(definition, QemuTestMachines.Options, progress, cancellation.Token),
            Throws.InstanceOf<OperationCanceledException>());
        Assert.That(processId, Is.Positive);
        Assert.That(QemuTestMachines.ProcessIsGone(processId), Is.True);
    }

    [Test]
    public async Task Disposing_a_running_machine_leaves_no_QEMU_process()
    {
        QemuMachine machine = await QemuMachine.StartAsync(QemuTestMachines.Bare(), QemuTestMachines.Options);
        int processId = machine.ProcessId;
        Assert.That(QemuTestMachines.ProcessIsGone(processId), Is.False);
        await machine.DisposeAsync();
        Assert.That(QemuTestMachines.ProcessIsGone(processId), Is.True);
        Assert.That(machine.HasExited, Is.True);
    }

    [Test]
    public async Task A_guest_printing_forever_keeps_the_captured_text_bounded()
    {
        using var folder = new TempDirectory();
        string disk = folder.Combine("chatty.raw");
        BootSectorGuest.WriteDisk(disk, "again and again", BootSectorGuestEnding.RepeatForever);
        var options = QemuTestMachines.Options.WithSerialRetainedChars(4096);
        await using QemuMachine machine = await QemuMachine.StartAsync(QemuTestMachines.Booting(disk, "pc"), options);

        int count = 0;
        await foreach (string line in machine.Serial!.ReadLinesAsync())
        {
            Assert.That(line, Is.EqualTo("again and again"));
            if (++count == 2000)
            {
                break;
            }
        }
        Assert.That(machine.Serial.Text.Length, Is.LessThanOrEqualTo(4096 + (4096 / 4) + 64));
        Assert.That(machine.Serial.Lines.Count, Is.LessThan(2000));
        Assert.That((await machine.StopAsync(TimeSpan.Zero)).Method, Is.EqualTo(QemuStopMethod.Quit));
    }

    private sealed class SynchronousProgress<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}
