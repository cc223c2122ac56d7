using SparseVirt.Tests.Infrastructure;
using SparseVirt.Tests.Sparse.Decoding;
using SparseVirt.Tests.TestGuests;

namespace SparseVirt.Tests.Cli.Run;

/// <summary><c>sparsevirt run</c> end to end with the real QEMU (TCG here): sparse disk in, guest's serial line out.</summary>
[Category("Qemu")]
public class RunCommandTests
{
    private const string GuestLine = "sparsevirt run test guest says hello";

    [Test]
    public async Task BootsASparseDiskShowsTheGuestsLineAndReusesTheCacheNextTime()
    {
        ExternalTool.Require("qemu-system-x86_64", "qemu-system-x86");
        using var folder = new TempDirectory();
        string disk = WriteSparseGuest(folder, "guest.simg");
        string cache = folder.Combine("cache");

        CliResult first = await CliHarness.RunAsync("run", disk, "--expand", "--cache", cache, "--memory", "32M", "--timeout", "60");
        CliResult second = await CliHarness.RunAsync("run", disk, "--expand", "--cache", cache, "--memory", "32M", "--timeout", "60");

        Assert.Multiple(() =>
        {
            Assert.That(first.ExitCode, Is.Zero, first.Error);
            Assert.That(first.Output, Does.Contain(GuestLine));
            Assert.That(first.Error, Does.Contain("expanded into the cache"));
            Assert.That(first.Error, Does.Contain("accelerator in use: TCG").Or.Contain("accelerator in use: KVM"));
            Assert.That(first.Error, Does.Contain("KVM:"), "the capability verdict is shown with --accel auto");
            Assert.That(second.ExitCode, Is.Zero, second.Error);
            Assert.That(second.Output, Does.Contain(GuestLine));
            Assert.That(second.Error, Does.Contain("reused from the cache"));
            Assert.That(Directory.GetFiles(cache, "*.raw"), Has.Length.EqualTo(1));
        });
    }

    [Test]
    public async Task TwoRunsAtOnceShareOneIntactCacheEntry()
    {
        ExternalTool.Require("qemu-system-x86_64", "qemu-system-x86");
        using var folder = new TempDirectory();
        string disk = WriteSparseGuest(folder, "guest.simg");
        string cache = folder.Combine("cache");

        CliResult[] runs = await Task.WhenAll(
            CliHarness.RunAsync("run", disk, "--expand", "--cache", cache, "--memory", "32M", "--accel", "tcg", "--timeout", "60"),
            CliHarness.RunAsync("run", disk, "--expand", "--cache", cache, "--memory", "32M", "--accel", "tcg", "--timeout", "60"));

        string[] entries = Directory.GetFiles(cache, "*.raw");
        Assert.Multiple(() =>
        {
            Assert.That(runs.Select(r => r.ExitCode), Is.All.Zero, string.Join("\n", runs.Select(r => r.Error)));
            Assert.That(runs.Select(r => r.Output), Has.All.Contain(GuestLine));
            Assert.That(runs.Count(r => r.Error.Contains("expanded into the cache", StringComparison.Ordinal)), Is.EqualTo(1));
            Assert.That(entries, Has.Length.EqualTo(1));
            Assert.That(Directory.GetFiles(cache).Where(f => f.EndsWith(".tmp", StringComparison.Ordinal)), Is.Empty);
        });
        byte[] expected = File.ReadAllBytes(folder.Combine("guest.raw"));
        Assert.That(File.ReadAllBytes(entries[0]), Is.EqualTo(expected), "the cached disk is exactly the expanded image");
    }

    [Test]
    public async Task ACorruptSparseImageFailsBeforeQemuStartsWithTheDecodingError()
    {
        using var folder = new TempDirectory();
        var builder = new SparseImageBuilder().Raw(1, seed: 1).Custom(0xCAC2, 4, [1, 2, 3, 4], totalSize: 20);
        string disk = folder.Combine("corrupt.simg");
        File.WriteAllBytes(disk, builder.Build());

        CliResult result = await CliHarness.RunAsync("run", disk, "--cache", folder.Combine("cache"), "--qemu", "/nonexistent/qemu-must-not-be-started");

        Assert.Multiple(() =>
        {
            Assert.That(result.ExitCode, Is.EqualTo(1));
            Assert.That(result.Error, Does.Contain("chunk 1").And.Contain("FILL"));
            Assert.That(result.Error, Does.Not.Contain("qemu-must-not-be-started"));
            Assert.That(result.Output, Is.Empty);
        });
    }

    [Test]
    public async Task CtrlCStopsAGuestThatIgnoresPowerOffAndExitsWith130()
    {
        ExternalTool.Require("qemu-system-x86_64", "qemu-system-x86");
        using var folder = new TempDirectory();
        string disk = folder.Combine("stubborn.raw");
        BootSectorGuest.WriteDisk(disk, GuestLine, BootSectorGuestEnding.HaltForever);

        // Ctrl+C once the guest has printed its line, so the guest is known to be running (no guess at boot time).
        CliResult result = await CliHarness.RunUntilOutputAsync(GuestLine, TimeSpan.FromSeconds(60), "run", disk, "--memory", "32M", "--accel", "tcg", "--stop-timeout", "1");

        Assert.Multiple(() =>
        {
            Assert.That(result.ExitCode, Is.EqualTo(130), result.Error);
            Assert.That(result.Output, Does.Contain(GuestLine));
            Assert.That(result.Error, Does.Contain("interrupted"));
            Assert.That(result.Error, Does.Match(@"The guest was stopped \((Quit|Killed)\)"), "a guest that ignores power-off is escalated");
        });
    }

    [Test]
    public async Task ASecondCtrlCKillsQemuWithoutWaitingForTheGuest()
    {
        ExternalTool.Require("qemu-system-x86_64", "qemu-system-x86");
        using var folder = new TempDirectory();
        string disk = folder.Combine("stubborn.raw");
        BootSectorGuest.WriteDisk(disk, GuestLine, BootSectorGuestEnding.HaltForever);

        // A 60 s graceful window that the second Ctrl+C must cut short: waiting it out would end in "Quit", not "Killed".
        CliResult result = await CliHarness.RunUntilOutputThenInterruptTwiceAsync(GuestLine, TimeSpan.FromSeconds(60), "run", disk, "--memory", "32M", "--accel", "tcg", "--stop-timeout", "60");

        Assert.Multiple(() =>
        {
            Assert.That(result.ExitCode, Is.EqualTo(130), result.Error);
            Assert.That(result.Error, Does.Contain("The guest was stopped (Killed)"));
        });
    }

    [Test]
    public async Task BadPortForwardIsAUsageError()
    {
        using var folder = new TempDirectory();
        string disk = folder.Combine("disk.raw");
        File.WriteAllBytes(disk, new byte[4096]);

        CliResult result = await CliHarness.RunAsync("run", disk, "--forward", "80");

        Assert.Multiple(() =>
        {
            Assert.That(result.ExitCode, Is.EqualTo(2));
            Assert.That(result.Error, Does.Contain("--forward '80'"));
        });
    }

    [TestCase("--cpus", "0", "--cpus 0")]
    [TestCase("--cpus", "-2", "--cpus -2")]
    [TestCase("--timeout", "0", "--timeout 0")]
    [TestCase("--timeout", "-1", "--timeout -1")]
    [TestCase("--timeout", "1e12", "--timeout 1000000000000")]
    [TestCase("--stop-timeout", "-1", "--stop-timeout -1")]
    [TestCase("--stop-timeout", "NaN", "--stop-timeout NaN")]
    public async Task AnOutOfRangeNumberIsAUsageErrorNamingTheOption(string option, string value, string expected)
    {
        using var folder = new TempDirectory();
        string disk = folder.Combine("disk.raw");
        File.WriteAllBytes(disk, new byte[4096]);

        CliResult result = await CliHarness.RunAsync("run", disk, option, value, "--qemu", "/nonexistent/qemu-must-not-be-started");

        Assert.Multiple(() =>
        {
            Assert.That(result.ExitCode, Is.EqualTo(2), result.Error);
            Assert.That(result.Error, Does.Contain(expected));
        });
    }

    [Test]
    public async Task An_overlay_keeps_the_guests_writes_across_runs_and_the_base_is_never_written()
    {
        ExternalTool.Require("qemu-system-x86_64", "qemu-system-x86");
        ExternalTool.Require("qemu-img", "qemu-utils");
        using var folder = new TempDirectory();
        const long From = 100L * 1024 * 1024 / 512;
        string basePath = folder.Combine("base.raw");
        SectorCopyGuest.WriteDisk(basePath, From, From + 2, "kept in the overlay", diskBytes: 101L * 1024 * 1024);
        DateTime modified = File.GetLastWriteTimeUtc(basePath);
        byte[] before = File.ReadAllBytes(basePath);
        string overlay = folder.Combine("user.qcow2");

        CliResult first = await CliHarness.RunAsync("run", basePath, "--overlay", overlay, "--memory", "32M", "--accel", "tcg", "--timeout", "60");
        CliResult second = await CliHarness.RunAsync("run", basePath, "--overlay", overlay, "--memory", "32M", "--accel", "tcg", "--timeout", "60");

        Assert.Multiple(() =>
        {
            Assert.That(first.ExitCode, Is.Zero, first.Error);
            Assert.That(first.Error, Does.Contain("overlay created"));
            Assert.That(first.Output, Does.Contain("copied").And.Not.Contain("kept in the overlay"));
            Assert.That(second.ExitCode, Is.Zero, second.Error);
            Assert.That(second.Error, Does.Contain("overlay reused"));
            Assert.That(second.Output, Does.Contain("kept in the overlay"));
            Assert.That(File.GetLastWriteTimeUtc(basePath), Is.EqualTo(modified));
        });
        Assert.That(File.ReadAllBytes(basePath), Is.EqualTo(before), "the base's bytes are unchanged");
    }

    [Test]
    public async Task An_overlay_over_a_sparse_image_served_over_NBD_keeps_the_guests_writes_across_runs()
    {
        ExternalTool.Require("qemu-system-x86_64", "qemu-system-x86");
        string qemuImg = ExternalTool.Require("qemu-img", "qemu-utils");
        string img2simg = ExternalTool.Require("img2simg", "android-sdk-libsparse-utils");
        using var folder = new TempDirectory();
        const long From = 100L * 1024 * 1024 / 512;
        string raw = folder.Combine("base.raw");
        SectorCopyGuest.WriteDisk(raw, From, From + 2, "kept over NBD", diskBytes: 101L * 1024 * 1024);
        string sparse = folder.Combine("system.simg");
        ExternalTool.RunChecked(img2simg, raw, sparse);
        string overlay = folder.Combine("user.qcow2");
        string[] run = ["run", sparse, "--overlay", overlay, "--memory", "32M", "--accel", "tcg", "--timeout", "60"];

        CliResult first = await CliHarness.RunAsync(run);
        File.SetLastWriteTimeUtc(sparse, DateTime.UtcNow.AddMinutes(5)); // touched: the same bytes keep the overlay
        CliResult second = await CliHarness.RunAsync(run);

        Assert.Multiple(() =>
        {
            Assert.That(first.ExitCode, Is.Zero, first.Error);
            Assert.That(first.Error, Does.Contain("served over NBD").And.Contain("overlay created"));
            Assert.That(first.Output, Does.Contain("copied").And.Not.Contain("kept over NBD"));
            Assert.That(second.ExitCode, Is.Zero, second.Error);
            Assert.That(second.Error, Does.Contain("overlay reused"));
            Assert.That(second.Output, Does.Contain("kept over NBD"), "the first run's write survived the new socket and the touch");
            Assert.That(ExternalTool.RunChecked(qemuImg, "info", "--output=json", "-U", overlay).Output, Does.Contain("nbd"), "the header names the export it was last attached over");
        });
    }

    [Test]
    public async Task An_overlay_that_is_not_over_the_disk_is_refused_untouched_until_reset_is_asked()
    {
        ExternalTool.Require("qemu-system-x86_64", "qemu-system-x86");
        string qemuImg = ExternalTool.Require("qemu-img", "qemu-utils");
        using var folder = new TempDirectory();
        string basePath = folder.Combine("base.raw");
        BootSectorGuest.WriteDisk(basePath, GuestLine, BootSectorGuestEnding.PowerOff);
        string other = folder.Combine("other.raw");
        await File.WriteAllBytesAsync(other, new byte[1 << 20]);
        string overlay = folder.Combine("user.qcow2");
        ExternalTool.RunChecked(qemuImg, "create", "-q", "-f", "qcow2", "-b", other, "-F", "raw", overlay);
        byte[] before = File.ReadAllBytes(overlay);

        CliResult refused = await CliHarness.RunAsync("run", basePath, "--overlay", overlay, "--memory", "32M", "--accel", "tcg", "--timeout", "60");
        byte[] after = File.ReadAllBytes(overlay);
        CliResult reset = await CliHarness.RunAsync("run", basePath, "--overlay", overlay, "--reset-overlay", "--memory", "32M", "--accel", "tcg", "--timeout", "60");

        Assert.Multiple(() =>
        {
            Assert.That(refused.ExitCode, Is.EqualTo(1));
            Assert.That(refused.Error, Does.Contain("was not reused and is left untouched").And.Contain("--reset-overlay"));
            Assert.That(after, Is.EqualTo(before), "the user's overlay is untouched");
            Assert.That(reset.ExitCode, Is.Zero, reset.Error);
            Assert.That(reset.Error, Does.Contain("overlay started over empty").And.Contain(".bak-"));
            Assert.That(reset.Output, Does.Contain(GuestLine));
            Assert.That(Directory.GetFiles(folder.FullPath, "user.qcow2.bak-*").Select(File.ReadAllBytes).Single(), Is.EqualTo(before), "the old overlay is kept");
        });
    }

    private static string WriteSparseGuest(TempDirectory folder, string name)
    {
        byte[] sector = BootSectorGuest.BuildBootSector(GuestLine, BootSectorGuestEnding.PowerOff);
        byte[] firstBlock = new byte[4096];
        sector.CopyTo(firstBlock, 0);
        var builder = new SparseImageBuilder().Raw(firstBlock).DontCare(255);
        File.WriteAllBytes(folder.Combine(name), builder.Build());
        File.WriteAllBytes(folder.Combine("guest.raw"), builder.Expected);
        return folder.Combine(name);
    }
}
