using System.Security.Cryptography;
using SparseVirt.Layouts.Super;
using SparseVirt.Sparse;
using SparseVirt.Tests.Infrastructure;
using SparseVirt.Tests.TestGuests;
using SparseVirt.Tests.TestGuests.AndroidFirstStage;

namespace SparseVirt.Tests.Cli.Run;

/// <summary>
/// An Android build's outputs booted as they are: sparse <c>system.img</c> and <c>vendor.img</c> (ext4, as
/// <c>mkfs.ext4 -d</c> and <c>img2simg</c> make them), a sparse <c>super.img</c> made of them by <c>super make</c>, a
/// small <c>misc</c> and <c>vbmeta</c>, and a <c>userdata</c> ext4 disk. <c>run</c> composes the GPT disk of misc,
/// vbmeta and super and serves it over NBD, attaches userdata after it with its writes in a qcow2 overlay, and boots
/// Debian's cloud kernel on virtio disks. The guest's initramfs does what Android's first-stage init does
/// (<see cref="AndroidFirstStage"/>): partitions by GPT label, liblp metadata, device-mapper linear tables, read-only
/// mounts, a program run from system, a file written to userdata; a second boot over the same overlay sees it. Nothing
/// the size of an image is written on the host: sparsevirt's temporary and cache folders are pointed into the test's
/// folder, and no file over 16 MiB appears anywhere in it.
/// </summary>
public class RunAndroidShapedBootTests
{
    private const long ImageSized = 16L * 1024 * 1024;

    [Test]
    public async Task A_real_kernel_maps_super_with_device_mapper_runs_system_and_keeps_its_userdata_write()
    {
        ExternalTool.Require("qemu-system-x86_64", "qemu-system-x86");
        DebianCloudGuest guest = DebianCloudGuest.Require();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        using var folder = new TempDirectory();
        string token = Guid.NewGuid().ToString("N");
        AndroidBuild build = AndroidBuild.Create(folder.Combine("out"), token);
        string initramfs = folder.Combine("init.cpio");
        guest.WriteInitramfs(initramfs, AndroidFirstStage.InitScript, [AndroidFirstStage.BuildFirstStageMount(folder.FullPath)], AndroidFirstStage.Modules);
        File.Copy(AndroidFirstStage.BuildHello(folder.FullPath), Path.Combine(build.SystemContent, "bin", "hello"));
        await build.WriteImagesAsync();
        Dictionary<string, string> inputs = HashAll(build.Folder);
        HashSet<string> largeBefore = LargeFiles(folder.FullPath);

        TimeSpan prepared = clock.Elapsed;
        ToolResult first = Boot(folder, build, guest, initramfs);
        TimeSpan firstDone = clock.Elapsed;
        ToolResult second = Boot(folder, build, guest, initramfs);
        await TestContext.Out.WriteLineAsync(
            $"images, programs and initramfs made in {prepared.TotalSeconds:0.0} s\nfirst boot ({(firstDone - prepared).TotalSeconds:0.0} s):\n{first.Error}{first.Output}\n" +
            $"second boot ({(clock.Elapsed - firstDone).TotalSeconds:0.0} s):\n{second.Error}{second.Output}");

        string expectedTable = ExpectedTable(build.Super, "system_a");
        Assert.Multiple(() =>
        {
            Assert.That(first.ExitCode, Is.Zero, first.Error);
            Assert.That(first.Error, Does.Contain("composed and served over NBD (nothing written)").And.Contain("overlay created"));
            Assert.That(first.Output, Does.Contain("by-name: super -> /dev/vda3"), first.Output);
            Assert.That(first.Output, Does.Contain($"system_a: /dev/block/mapper/system_a -> /dev/dm-0 (read-only), table: {expectedTable}"));
            Assert.That(first.Output, Does.Contain("mounted: /dev/block/mapper/system_a /system ext4 ro,"));
            Assert.That(first.Output, Does.Contain("mounted: /dev/block/mapper/vendor_a /vendor ext4 ro,"));
            Assert.That(first.Output, Does.Contain("dm: dm-1 is vendor_a, read-only 1"));
            Assert.That(first.Output, Does.Contain("userdata: /dev/vdb"));
            Assert.That(first.Output, Does.Contain($"system program /system/bin/hello: system says ro.build.fingerprint={token}, vendor says ro.vendor.build={token}"));
            Assert.That(first.Output, Does.Contain("userdata before: \n").Or.Contain("userdata before: \r\n"));
            Assert.That(first.Output, Does.Contain("system program: wrote boot 1 to /data/boot-log.txt").And.Contain("userdata unmounted"));

            Assert.That(second.ExitCode, Is.Zero, second.Error);
            Assert.That(second.Error, Does.Contain("overlay reused"));
            Assert.That(second.Output, Does.Contain($"userdata before: boot 1: ro.build.fingerprint={token}|"), second.Output);
            Assert.That(second.Output, Does.Contain("system program: wrote boot 2 to /data/boot-log.txt"));

            Assert.That(HashAll(build.Folder), Is.EqualTo(inputs), "the build's outputs are never written");
            Assert.That(LargeFiles(folder.FullPath), Is.EquivalentTo(largeBefore), "no file the size of an image appeared in the temporary or cache folders");
        });
    }

    /// <summary>
    /// One boot, the way a user types it, in a process of its own whose temporary folder ($TMPDIR, which QEMU honours
    /// too) and cache folders ($XDG_CACHE_HOME; $SPARSEVIRT_CACHE unset) are inside the test's folder.
    /// </summary>
    private static ToolResult Boot(TempDirectory folder, AndroidBuild build, DebianCloudGuest guest, string initramfs)
    {
        string temp = Directory.CreateDirectory(folder.Combine("tmp")).FullName, cache = Directory.CreateDirectory(folder.Combine("cache")).FullName;
        string dotnet = ExternalTool.Find("dotnet") ?? Path.Combine(Path.GetDirectoryName(Environment.ProcessPath)!, "dotnet");
        string[] arguments =
        [
            Path.Combine(AppContext.BaseDirectory, "sparsevirt.dll"), "run",
            build.Userdata, "--overlay", folder.Combine("userdata.qcow2"),
            "--gpt", "misc=" + build.Misc, "vbmeta=" + build.Vbmeta, "super=" + build.Super,
            "--disk-interface", "virtio",
            "--kernel", guest.KernelPath, "--initrd", initramfs, "--append", "console=ttyS0 panic=-1 quiet",
            "--memory", "256M", "--accel", "auto", "--timeout", "180",
        ];
        return ExternalTool.Run(dotnet, arguments, TimeSpan.FromMinutes(4), new Dictionary<string, string>
        {
            ["TMPDIR"] = temp,
            ["XDG_CACHE_HOME"] = cache,
            ["SPARSEVIRT_CACHE"] = "",
        });
    }

    /// <summary>The DM table of <paramref name="partition"/> as the guest prints it (super is /dev/vda3), from the host's own reading of super.img.</summary>
    private static string ExpectedTable(string superPath, string partition)
    {
        using SparseBlockSource source = SparseBlockSource.Open(superPath);
        return AndroidFirstStage.TableOf(SuperImage.Open(source).Metadata, partition, "/dev/vda3");
    }

    private static Dictionary<string, string> HashAll(string folder) =>
        Directory.EnumerateFiles(folder).ToDictionary(path => Path.GetFileName(path), path => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(path))));

    private static HashSet<string> LargeFiles(string folder) =>
        [.. Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories).Where(path => new FileInfo(path).Length > ImageSized)];
}
