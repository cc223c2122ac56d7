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

        // A touched base with the same bytes keeps its overlay: content decides, not the time.
        File.SetLastWriteTimeUtc(basePath, baseModified.AddMinutes(1));
        Assert.That((await QemuOverlayFiles.EnsureAsync(overlay, tool)).Action, Is.EqualTo(QemuOverlayAction.Reused));
        Assert.That(await BootAsync(overlay), Does.Contain(Persisted), "the touched base's overlay still has the write");

        // Changed content is refused, and the overlay is left exactly as it was.
        byte[] overlayBefore = File.ReadAllBytes(overlay.Path);
        await using (FileStream changing = new(basePath, FileMode.Open, FileAccess.Write))
        {
            changing.Position = 50L * 1024 * 1024;
            changing.WriteByte(0x5A);
        }
        var refused = await Assert.ThrowsAsync<QemuOverlayRefusedException>(() => QemuOverlayFiles.EnsureAsync(overlay, tool));
        Assert.Multiple(() =>
        {
            Assert.That(refused!.Message, Does.Contain("content of its base changed").And.Contain("left untouched").And.Contain("QemuOverlayFiles.ResetAsync"));
            Assert.That(refused.AllocatedBytes, Is.GreaterThan(0));
            Assert.That(File.ReadAllBytes(overlay.Path), Is.EqualTo(overlayBefore), "the refused overlay is untouched");
        });

        // Starting over is asked for: the old overlay is kept beside it, the new one is empty.
        QemuOverlayPreparation reset = await QemuOverlayFiles.ResetAsync(overlay, keepBackup: true, tool);
        Assert.Multiple(() =>
        {
            Assert.That(reset.Action, Is.EqualTo(QemuOverlayAction.Recreated));
            Assert.That(reset.BackupPath, Does.StartWith(overlay.Path + ".bak-"));
            Assert.That(File.ReadAllBytes(reset.BackupPath!), Is.EqualTo(overlayBefore), "the backup is the old overlay");
        });
        Assert.That(await BootAsync(overlay), Does.Not.Contain(Persisted), "a reset overlay starts empty");
    }

    [Test]
    public async Task A_copied_base_with_the_same_bytes_keeps_its_overlay_and_the_header_follows_it()
    {
        string qemuImg = ExternalTool.Require("qemu-img", "qemu-utils");
        using var folder = new TempDirectory();
        string basePath = folder.Combine("base.raw");
        await File.WriteAllBytesAsync(basePath, Enumerable.Range(0, 1 << 20).Select(i => (byte)(i * 7)).ToArray());
        var tool = QemuImageToolOptions.Default.WithBinaryPath(qemuImg);
        var overlay = new QemuOverlay(folder.Combine("o.qcow2"), new QemuImageFile(basePath, QemuDiskFormat.Raw));
        await QemuOverlayFiles.EnsureAsync(overlay, tool);
        ExternalTool.RunChecked(ExternalTool.Require("qemu-io", "qemu-utils"), "-f", "qcow2", "-c", "write -P 0x42 0 64k", overlay.Path);
        string copy = folder.Combine("restored.raw");
        File.Copy(basePath, copy);
        File.Delete(basePath);

        QemuOverlayPreparation moved = await QemuOverlayFiles.EnsureAsync(new QemuOverlay(overlay.Path, new QemuImageFile(copy, QemuDiskFormat.Raw)), tool);

        string info = ExternalTool.RunChecked(qemuImg, "info", "--output=json", overlay.Path).Output;
        Assert.Multiple(() =>
        {
            Assert.That(moved.Action, Is.EqualTo(QemuOverlayAction.Reused));
            Assert.That(info, Does.Contain("restored.raw"), "qemu-img info names the base it is over now");
            Assert.That(ExternalTool.RunChecked(ExternalTool.Require("qemu-io", "qemu-utils"), "-f", "qcow2", "-c", "read -P 0x42 0 64k", overlay.Path).Output, Does.Not.Contain("Pattern verification failed"));
        });
    }

    [Test]
    public async Task A_users_own_qcow2_over_this_base_is_taken_over_with_its_writes_and_one_over_another_is_refused()
    {
        string qemuImg = ExternalTool.Require("qemu-img", "qemu-utils");
        string qemuIo = ExternalTool.Require("qemu-io", "qemu-utils");
        using var folder = new TempDirectory();
        string basePath = folder.Combine("base.raw");
        string otherPath = folder.Combine("other.raw");
        await File.WriteAllBytesAsync(basePath, new byte[1 << 20]);
        await File.WriteAllBytesAsync(otherPath, new byte[1 << 20]);
        string mine = folder.Combine("mine.qcow2");
        ExternalTool.RunChecked(qemuImg, "create", "-q", "-f", "qcow2", "-b", basePath, "-F", "raw", mine);
        ExternalTool.RunChecked(qemuIo, "-f", "qcow2", "-c", "write -P 0x77 4096 8192", mine);
        byte[] before = File.ReadAllBytes(mine);
        var tool = QemuImageToolOptions.Default.WithBinaryPath(qemuImg);

        var refused = await Assert.ThrowsAsync<QemuOverlayRefusedException>(() =>
            QemuOverlayFiles.EnsureAsync(new QemuOverlay(mine, new QemuImageFile(otherPath, QemuDiskFormat.Raw)), tool));
        Assert.That(refused!.Message, Does.Contain("does not name this base").And.Contain("base.raw"));
        Assert.That(File.ReadAllBytes(mine), Is.EqualTo(before), "refused, and untouched");

        QemuOverlayPreparation adopted = await QemuOverlayFiles.EnsureAsync(new QemuOverlay(mine, new QemuImageFile(basePath, QemuDiskFormat.Raw)), tool);
        Assert.Multiple(() =>
        {
            Assert.That(adopted.Action, Is.EqualTo(QemuOverlayAction.Adopted), adopted.Reason);
            Assert.That(File.Exists(mine + QemuOverlayFiles.BaseRecordSuffix), Is.True);
            Assert.That(ExternalTool.RunChecked(qemuIo, "-f", "qcow2", "-c", "read -P 0x77 4096 8192", mine).Output, Does.Not.Contain("Pattern verification failed"));
        });
        Assert.That((await QemuOverlayFiles.EnsureAsync(new QemuOverlay(mine, new QemuImageFile(basePath, QemuDiskFormat.Raw)), tool)).Action, Is.EqualTo(QemuOverlayAction.Reused));
    }

    [Test]
    public async Task A_reset_without_a_backup_deletes_the_old_overlay()
    {
        string qemuImg = ExternalTool.Require("qemu-img", "qemu-utils");
        using var folder = new TempDirectory();
        string basePath = folder.Combine("base.raw");
        await File.WriteAllBytesAsync(basePath, new byte[1 << 20]);
        var tool = QemuImageToolOptions.Default.WithBinaryPath(qemuImg);
        var overlay = new QemuOverlay(folder.Combine("o.qcow2"), new QemuImageFile(basePath, QemuDiskFormat.Raw));
        await QemuOverlayFiles.EnsureAsync(overlay, tool);

        QemuOverlayPreparation reset = await QemuOverlayFiles.ResetAsync(overlay, keepBackup: false, tool);

        Assert.Multiple(() =>
        {
            Assert.That(reset.BackupPath, Is.Null);
            Assert.That(Directory.GetFiles(folder.FullPath, "o.qcow2.bak-*"), Is.Empty);
            Assert.That(File.Exists(overlay.Path), Is.True);
        });
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
