using System.Security.Cryptography;
using System.Text.Json;
using System.Diagnostics;
using SparseVirt.Qemu;
using SparseVirt.Qemu.Disks;
using SparseVirt.Tests.Infrastructure;
using SparseVirt.Tests.TestGuests;

namespace SparseVirt.Tests.Qemu;

/// <summary>Disks as overlay chains against the real qemu-img and QEMU: the base is never written, the overlay keeps the guest's writes.</summary>
[TestFixture]
[CancelAfter(180_000)]
public sealed class QemuOverlayTests
{
    private const long SectorAt100MiB = 100L * 1024 * 1024 / BootSectorGuest.SectorSize;
    private const string Persisted = "written by the first run";

    [Test]
    public async Task A_guest_writing_through_an_overlay_leaves_the_base_unchanged_and_finds_its_write_on_the_next_run()
    {
        string qemuImg = ExternalTool.Require("qemu-img", "qemu-utils");
        QemuTestMachines.RequireQemu();
        using var folder = new TempDirectory();
        string basePath = folder.Combine("system.raw");
        SectorCopyGuest.WriteDisk(basePath, SectorAt100MiB, SectorAt100MiB + 2, Persisted, diskBytes: 101L * 1024 * 1024);
        File.SetLastWriteTimeUtc(basePath, new DateTime(2020, 1, 2, 3, 4, 5, DateTimeKind.Utc));
        byte[] baseHash = Hash(basePath);
        DateTime baseModified = File.GetLastWriteTimeUtc(basePath);
        var overlay = new QemuOverlay(folder.Combine("user data.qcow2"), new QemuImageFile(basePath, QemuDiskFormat.Raw))
            .WithBackingPathStyle(QemuBackingPathStyle.RelativeToOverlay);
        var tool = QemuImageToolOptions.Default.WithBinaryPath(qemuImg);

        Assert.That((await QemuOverlayFiles.EnsureAsync(overlay, tool)).Action, Is.EqualTo(QemuOverlayAction.Created));
        using (JsonDocument chain = JsonDocument.Parse(ExternalTool.RunChecked(qemuImg, "info", "--backing-chain", "--output=json", overlay.Path).Output))
        {
            JsonElement[] images = [.. chain.RootElement.EnumerateArray()];
            Assert.That(images, Has.Length.EqualTo(2), "overlay -> base");
            Assert.That(images[0].GetProperty("format").GetString(), Is.EqualTo("qcow2"));
            Assert.That(images[0].GetProperty("backing-filename").GetString(), Is.EqualTo("system.raw"), "relative to the overlay");
            Assert.That(images[0].GetProperty("backing-filename-format").GetString(), Is.EqualTo("raw"));
            Assert.That(images[1].GetProperty("format").GetString(), Is.EqualTo("raw"));
            Assert.That(Path.GetFileName(images[1].GetProperty("filename").GetString()), Is.EqualTo("system.raw"));
        }

        IReadOnlyList<string> first = await BootAsync(overlay);
        Assert.That(first, Does.Contain("copied").And.No.Contain(Persisted), "a fresh overlay shows the base's empty sector");

        Assert.That((await QemuOverlayFiles.EnsureAsync(overlay, tool)).Action, Is.EqualTo(QemuOverlayAction.Reused));
        IReadOnlyList<string> second = await BootAsync(overlay);
        Assert.That(second, Does.Contain(Persisted).And.Contain("copied"), "the first run's write is in the overlay");

        Assert.That(Hash(basePath), Is.EqualTo(baseHash), "the base's bytes are unchanged");
        Assert.That(File.GetLastWriteTimeUtc(basePath), Is.EqualTo(baseModified), "the base was never written");

        File.SetLastWriteTimeUtc(basePath, baseModified.AddMinutes(1));
        QemuOverlayPreparation changed = await QemuOverlayFiles.EnsureAsync(overlay, tool);
        Assert.That(changed.Action, Is.EqualTo(QemuOverlayAction.Recreated));
        Assert.That(changed.Reason, Does.Contain("changed"));
        Assert.That(await BootAsync(overlay), Does.Not.Contain(Persisted), "a recreated overlay starts empty");
    }

    [Test]
    public async Task An_overlay_over_an_NBD_export_keeps_the_guests_write_and_the_export_is_only_read()
    {
        string qemuNbd = ExternalTool.Require("qemu-nbd", "qemu-utils");
        string qemuImg = ExternalTool.Require("qemu-img", "qemu-utils");
        QemuTestMachines.RequireQemu();
        using var folder = new TempDirectory();
        string basePath = folder.Combine("exported.raw");
        SectorCopyGuest.WriteDisk(basePath, SectorAt100MiB, SectorAt100MiB + 2, Persisted, diskBytes: 101L * 1024 * 1024);
        byte[] baseHash = Hash(basePath);
        string socket = folder.Combine("nbd.sock");
        using var server = Process.Start(new ProcessStartInfo(
            qemuNbd, ["--read-only", "--persistent", "--shared=4", "-f", "raw", "-x", "system", "-k", socket, basePath]) { UseShellExecute = false })!;
        try
        {
            for (int i = 0; i < 200 && !File.Exists(socket); i++)
            {
                await Task.Delay(25);
            }
            var overlay = new QemuOverlay(folder.Combine("over-nbd.qcow2"), QemuNbdExport.OnUnixSocket(socket, "system"));
            Assert.That((await QemuOverlayFiles.EnsureAsync(overlay, QemuImageToolOptions.Default.WithBinaryPath(qemuImg))).Action, Is.EqualTo(QemuOverlayAction.Created));
            string info = ExternalTool.RunChecked(qemuImg, "info", "--output=json", overlay.Path).Output;
            Assert.That(info, Does.Contain("nbd+unix:///system?socket="));

            Assert.That(await BootAsync(overlay), Does.Contain("copied").And.No.Contain(Persisted));
            Assert.That(await BootAsync(overlay), Does.Contain(Persisted), "the write is in the overlay, over the export");
        }
        finally
        {
            server.Kill();
            await server.WaitForExitAsync();
        }
        Assert.That(Hash(basePath), Is.EqualTo(baseHash), "the exported image is unchanged");
    }

    [Test]
    public async Task An_overlay_over_a_missing_base_is_refused_naming_it()
    {
        using var folder = new TempDirectory();
        var overlay = new QemuOverlay(folder.Combine("o.qcow2"), new QemuImageFile(folder.Combine("missing.raw"), QemuDiskFormat.Raw));
        var error = await Assert.ThrowsAsync<FileNotFoundException>(() => QemuOverlayFiles.EnsureAsync(overlay));
        Assert.That(error!.Message, Does.Contain("missing.raw"));
        Assert.That(File.Exists(overlay.Path), Is.False);
    }

    private static async Task<IReadOnlyList<string>> BootAsync(QemuOverlay overlay)
    {
        QemuMachineDefinition definition = QemuTestMachines.Bare()
            .WithMachineType("q35")
            .WithDisk(new QemuDisk(overlay).WithBootIndex(0))
            .WithSerial(QemuSerialConsole.Captured);
        await using QemuMachine machine = await QemuMachine.StartAsync(definition, QemuTestMachines.Options);
        await machine.Serial!.WaitForLineAsync(line => line is "copied" or "disk error", QemuTestMachines.EventTimeout);
        await machine.WaitForExitAsync().WaitAsync(QemuTestMachines.EventTimeout);
        return machine.Serial.Lines;
    }

    private static byte[] Hash(string path)
    {
        using FileStream stream = File.OpenRead(path);
        return SHA256.HashData(stream);
    }
}
