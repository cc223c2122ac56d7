using SparseVirt.Tests.Infrastructure;
using SparseVirt.Tests.TestGuests;

namespace SparseVirt.Tests.Cli.Run;

/// <summary>
/// <c>run --disk-interface</c> with a real kernel on the default machine (q35): Debian's cloud kernel has no AHCI
/// driver, so with the modules of one bus only in its initramfs it finds its disk only on that bus. The guest mounts
/// the ext4 file system of a sparse image served over NBD (or of the --gpt disk's partition) from the device node that
/// bus makes, and prints a marker read from it.
/// </summary>
public class RunRealKernelDiskInterfaceTests
{
    [TestCase("virtio", "/dev/vda")]
    [TestCase("scsi", "/dev/sda")]
    public async Task A_guest_with_only_the_buses_driver_reads_its_served_disk_on_q35(string bus, string device)
    {
        (DebianCloudGuest guest, TempDirectory folder, string raw, string token) = await PrepareAsync();
        using (folder)
        {
            string sparse = folder.Combine("system.simg");
            ExternalTool.RunChecked(ExternalTool.Require("img2simg", "android-sdk-libsparse-utils"), raw, sparse);
            string[] modules = bus == "virtio" ? DebianCloudGuest.VirtioDiskModules : DebianCloudGuest.VirtioScsiDiskModules;
            string initramfs = WriteInitramfs(guest, folder, device, modules);

            CliResult result = await BootAsync(guest, initramfs, sparse, "--disk-interface", bus);

            Assert.Multiple(() =>
            {
                Assert.That(result.ExitCode, Is.Zero, result.Error);
                Assert.That(result.Output, Does.Contain(DebianCloudGuest.UserspaceMarker), result.Error);
                Assert.That(result.Output, Does.Contain($"read from {device}: {token}"), result.Output);
                Assert.That(result.Error, Does.Contain("served over NBD"));
            });
        }
    }

    [Test]
    public async Task The_GPT_disk_honours_the_bus_and_its_partition_is_read_over_virtio()
    {
        (DebianCloudGuest guest, TempDirectory folder, string raw, string token) = await PrepareAsync();
        using (folder)
        {
            string initramfs = WriteInitramfs(guest, folder, "/dev/vda1", DebianCloudGuest.VirtioDiskModules);

            CliResult result = await BootAsync(guest, initramfs, "--gpt", "system=" + raw, "--disk-interface", "virtio");

            Assert.Multiple(() =>
            {
                Assert.That(result.ExitCode, Is.Zero, result.Error);
                Assert.That(result.Output, Does.Contain($"read from /dev/vda1: {token}"), result.Output);
                Assert.That(result.Error, Does.Contain("composed and served over NBD"));
            });
        }
    }

    [Test]
    public async Task Without_the_option_the_disk_is_IDE_which_this_guest_cannot_see_on_q35()
    {
        (DebianCloudGuest guest, TempDirectory folder, string raw, _) = await PrepareAsync();
        using (folder)
        {
            string initramfs = WriteInitramfs(guest, folder, "/dev/vda", DebianCloudGuest.VirtioDiskModules);

            CliResult result = await BootAsync(guest, initramfs, raw);

            Assert.Multiple(() =>
            {
                Assert.That(result.ExitCode, Is.Zero, result.Error);
                Assert.That(result.Output, Does.Contain(DebianCloudGuest.UserspaceMarker), result.Error);
                Assert.That(result.Output, Does.Contain("no /dev/vda"), "the default bus is IDE (AHCI on q35), not virtio");
            });
        }
    }

    private static async Task<(DebianCloudGuest Guest, TempDirectory Folder, string Raw, string Token)> PrepareAsync()
    {
        ExternalTool.Require("qemu-system-x86_64", "qemu-system-x86");
        string mkfs = ExternalTool.Require("mkfs.ext4", "e2fsprogs");
        DebianCloudGuest guest = DebianCloudGuest.Require();
        var folder = new TempDirectory();
        string content = folder.Combine("content");
        Directory.CreateDirectory(content);
        string token = "bus-marker-" + Guid.NewGuid().ToString("N");
        await File.WriteAllTextAsync(Path.Combine(content, "marker.txt"), token + "\n");
        string raw = folder.Combine("system.raw");
        ExternalTool.RunChecked(mkfs, "-q", "-F", "-d", content, "-L", "system", raw, "16M");
        return (guest, folder, raw, token);
    }

    private static string WriteInitramfs(DebianCloudGuest guest, TempDirectory folder, string device, string[] modules)
    {
        string initramfs = folder.Combine("init.cpio");
        guest.WriteInitramfs(initramfs, $"""
            for i in $(seq 1 50); do [ -b {device} ] && break; sleep 0.1; done
            if [ -b {device} ]; then
              mount -t ext4 -o ro {device} /mnt && echo "read from {device}: $(cat /mnt/marker.txt)"
            else
              echo "no {device}"
            fi
            """, modules);
        return initramfs;
    }

    private static Task<CliResult> BootAsync(DebianCloudGuest guest, string initramfs, params string[] disks) =>
        CliHarness.RunAsync([
            "run", .. disks, "--kernel", guest.KernelPath, "--initrd", initramfs, "--append", "console=ttyS0 panic=-1 quiet",
            "--memory", "256M", "--accel", "auto", "--timeout", "180",
        ]);
}
