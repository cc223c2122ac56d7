using System.Text;
using SparseVirt.Tests.Infrastructure;

namespace SparseVirt.Tests.TestGuests;

/// <summary>
/// A real Linux guest: Debian's cloud kernel (fetched by <c>.ci/fetch-test-kernel</c> with <c>apt-get download</c> and
/// unpacked with <c>dpkg-deb -x</c>, never installed) and a busybox-static initramfs written here. Its <c>/init</c>
/// mounts proc, sys and devtmpfs, loads the modules asked for (with their dependencies, read from each module's
/// <c>.modinfo</c>, since an unpacked package has no modules.dep), prints <see cref="UserspaceMarker"/>, runs the
/// test's script and powers off. Its disk drivers are modules (ext4 is built in): PIIX for <c>run</c>'s IDE disks on
/// the pc machine, virtio-blk for virtio disks, virtio-scsi for SCSI disks; it has no AHCI driver, so not q35's IDE disks.
/// </summary>
internal sealed class DebianCloudGuest
{
    /// <summary>The line /init prints once it runs: the guest reached its userspace.</summary>
    public const string UserspaceMarker = "SPARSEVIRT-GUEST-USERSPACE";

    /// <summary>
    /// The modules for an <c>ide-hd</c> disk (what <c>run</c> attaches) on the <c>pc</c> machine's PIIX controller. The
    /// cloud kernel has no AHCI driver at all, so such a disk on q35 (AHCI) stays invisible to it.
    /// </summary>
    public static readonly string[] PiixDiskModules = ["ata_piix", "sd_mod"];

    /// <summary>The modules for a virtio-blk disk.</summary>
    public static readonly string[] VirtioDiskModules = ["virtio_pci", "virtio_blk"];

    /// <summary>The modules for a <c>scsi-hd</c> disk on a virtio-scsi controller.</summary>
    public static readonly string[] VirtioScsiDiskModules = ["virtio_pci", "virtio_scsi", "sd_mod"];

    private static readonly Lazy<DebianCloudGuest?> s_fetched = new(Fetch);
    private static string? s_fetchFailure;

    private DebianCloudGuest(string folder, string busybox)
    {
        KernelPath = Path.Combine(folder, "vmlinuz");
        ModulesFolder = Path.Combine(folder, "modules");
        Version = File.ReadAllText(Path.Combine(folder, "version")).Trim();
        BusyboxPath = busybox;
    }

    public string KernelPath { get; }

    public string Version { get; }

    private string ModulesFolder { get; }

    private string BusyboxPath { get; }

    /// <summary>The guest, fetched once per test run; skips (or, under SPARSEVIRT_REQUIRE_INTEROP=1, fails) when it cannot be had.</summary>
    public static DebianCloudGuest Require()
    {
        ExternalTool.Require("busybox", "busybox-static");
        DebianCloudGuest? guest = s_fetched.Value;
        if (guest is not null)
        {
            return guest;
        }
        string reason = $"Debian's cloud kernel could not be fetched ({s_fetchFailure}); .ci/fetch-test-kernel needs apt-get update first.";
        if (ExternalTool.InteropRequired)
        {
            Assert.Fail(reason + " SPARSEVIRT_REQUIRE_INTEROP=1 makes a missing guest a failure.");
        }
        Assert.Ignore(reason);
        return null!;
    }

    private static DebianCloudGuest? Fetch()
    {
        string folder = Environment.GetEnvironmentVariable("SPARSEVIRT_TEST_KERNEL_DIR") is { Length: > 0 } given
            ? given
            : Path.Combine(RepositoryPaths.Root, "artifacts", "test-kernel");
        ToolResult fetched = ExternalTool.Run("/bin/bash", [Path.Combine(RepositoryPaths.Root, ".ci", "fetch-test-kernel"), folder], TimeSpan.FromMinutes(5));
        if (fetched.ExitCode != 0)
        {
            s_fetchFailure = fetched.Error.Trim();
            return null;
        }
        return new DebianCloudGuest(folder, ExternalTool.Find("busybox")!);
    }

    /// <summary>
    /// Writes the initramfs (cpio, newc) to <paramref name="path"/>: busybox, the modules (and their dependencies) and
    /// an /init that ends by running <paramref name="script"/> (busybox sh; every applet is on PATH) and powering off.
    /// </summary>
    public void WriteInitramfs(string path, string script, params string[] modules) => WriteInitramfs(path, script, [], modules);

    /// <summary>
    /// As <see cref="WriteInitramfs(string, string, string[])"/>, with <paramref name="programs"/> (host files, static
    /// binaries) copied into /bin under their file names, so the script runs them by name.
    /// </summary>
    public void WriteInitramfs(string path, string script, IReadOnlyList<string> programs, params string[] modules)
    {
        Dictionary<string, string> byName = Directory.EnumerateFiles(Path.Combine(ModulesFolder, "kernel"), "*.ko", SearchOption.AllDirectories)
            .ToDictionary(file => Path.GetFileNameWithoutExtension(file).Replace('-', '_'), StringComparer.Ordinal);
        var order = new List<string>();
        foreach (string module in modules)
        {
            AddWithDependencies(module, byName, order, depth: 0);
        }

        var init = new StringBuilder();
        init.Append("#!/bin/busybox sh\n");
        // busybox --install finds itself through /proc/self/exe, so proc comes first.
        init.Append("/bin/busybox mount -t proc proc /proc\n/bin/busybox --install -s\nexport PATH=/bin:/sbin:/usr/bin:/usr/sbin\n");
        init.Append("mount -t sysfs sys /sys; mount -t devtmpfs dev /dev\n");
        foreach (string module in order)
        {
            init.Append(System.Globalization.CultureInfo.InvariantCulture, $"insmod /lib/modules/{module}.ko\n");
        }
        init.Append(System.Globalization.CultureInfo.InvariantCulture, $"echo {UserspaceMarker}\n");
        init.Append(script.ReplaceLineEndings("\n")).Append('\n');
        init.Append("poweroff -f\n");

        using var cpio = new CpioNewcWriter(File.Create(path));
        foreach (string folder in new[] { "bin", "sbin", "usr", "usr/bin", "usr/sbin", "dev", "proc", "sys", "mnt", "lib", "lib/modules" })
        {
            cpio.Directory(folder);
        }
        cpio.File("bin/busybox", File.ReadAllBytes(BusyboxPath), executable: true);
        cpio.File("init", Encoding.ASCII.GetBytes(init.ToString()), executable: true);
        foreach (string program in programs)
        {
            cpio.File("bin/" + Path.GetFileName(program), File.ReadAllBytes(program), executable: true);
        }
        foreach (string module in order)
        {
            cpio.File($"lib/modules/{module}.ko", File.ReadAllBytes(byName[module]), executable: false);
        }
    }

    private static void AddWithDependencies(string module, Dictionary<string, string> byName, List<string> order, int depth)
    {
        if (order.Contains(module))
        {
            return;
        }
        Assert.That(depth, Is.LessThan(16), $"module dependencies of {module} nest too deep");
        Assert.That(byName.ContainsKey(module), Is.True, $"the kernel has no module {module}");
        foreach (string dependency in Dependencies(byName[module]))
        {
            AddWithDependencies(dependency, byName, order, depth + 1);
        }
        order.Add(module);
    }

    // The "depends=a,b" string of the module's .modinfo section (NUL-separated key=value strings).
    private static IEnumerable<string> Dependencies(string modulePath)
    {
        byte[] bytes = File.ReadAllBytes(modulePath);
        byte[] key = Encoding.ASCII.GetBytes("\0depends=");
        int at = bytes.AsSpan().IndexOf(key);
        if (at < 0)
        {
            return [];
        }
        int start = at + key.Length;
        int end = Array.IndexOf(bytes, (byte)0, start);
        return Encoding.ASCII.GetString(bytes, start, end - start).Split(',', StringSplitOptions.RemoveEmptyEntries);
    }
}

/// <summary>Writes a cpio archive in the "newc" format the kernel unpacks as an initramfs.</summary>
internal sealed class CpioNewcWriter(Stream output) : IDisposable
{
    private int _inode = 1;

    public void Directory(string name) => Entry(name, 0x41ED /* S_IFDIR | 0755 */, []);

    public void File(string name, byte[] content, bool executable) => Entry(name, executable ? 0x81ED : 0x81A4 /* S_IFREG | 0755 or 0644 */, content);

    private void Entry(string name, int mode, byte[] content)
    {
        byte[] nameBytes = Encoding.ASCII.GetBytes(name + "\0");
        string header = string.Create(System.Globalization.CultureInfo.InvariantCulture,
            $"070701{_inode++:X8}{mode:X8}{0:X8}{0:X8}{1:X8}{0:X8}{content.Length:X8}{0:X8}{0:X8}{0:X8}{0:X8}{nameBytes.Length:X8}{0:X8}");
        output.Write(Encoding.ASCII.GetBytes(header));
        output.Write(nameBytes);
        Pad(110 + nameBytes.Length);
        output.Write(content);
        Pad(content.Length);
    }

    private void Pad(int length)
    {
        for (int i = length; i % 4 != 0; i++)
        {
            output.WriteByte(0);
        }
    }

    public void Dispose()
    {
        Entry("TRAILER!!!", 0, []);
        output.Dispose();
    }
}
