using SparseVirt.Tests.Cli;
using SparseVirt.Tests.Infrastructure;

namespace SparseVirt.Tests.TestGuests.AndroidFirstStage;

/// <summary>
/// A small Android build's outputs, made as a build makes them: <c>system</c> and <c>vendor</c> ext4 images
/// (<c>mkfs.ext4 -d</c> from their content folders, then <c>img2simg</c>), a sparse <c>super.img</c> holding them as
/// <c>system_a</c> and <c>vendor_a</c> (<c>sparsevirt super make</c>, lpmake's options), a <c>misc</c> and a
/// <c>vbmeta</c> partition, and a <c>userdata</c> ext4 disk labelled <c>userdata</c>, like the emulator's
/// <c>userdata-qemu.img</c>. Each image is larger than 16 MiB when expanded (system 24 MiB, super 48 MiB, userdata
/// 32 MiB), so an expanded or composed copy written on the host would show; as sparse files they take about 2 MiB.
/// </summary>
internal sealed class AndroidBuild
{
    private const int MiB = 1024 * 1024;

    private AndroidBuild(string root)
    {
        Folder = Path.Combine(root, "images");
        SystemContent = Path.Combine(root, "system");
        VendorContent = Path.Combine(root, "vendor");
        foreach (string folder in new[] { Folder, Path.Combine(SystemContent, "bin"), Path.Combine(SystemContent, "etc"), Path.Combine(VendorContent, "etc") })
        {
            Directory.CreateDirectory(folder);
        }
    }

    /// <summary>The folder of the images a user boots (and nothing else): sparse system, vendor and super, misc, vbmeta, userdata.</summary>
    public string Folder { get; }

    /// <summary>What goes into the system image (bin/, etc/build.prop).</summary>
    public string SystemContent { get; }

    public string VendorContent { get; }

    public string Super => Path.Combine(Folder, "super.img");

    public string Misc => Path.Combine(Folder, "misc.img");

    public string Vbmeta => Path.Combine(Folder, "vbmeta.img");

    public string Userdata => Path.Combine(Folder, "userdata.img");

    /// <summary>Starts a build under <paramref name="root"/>: the content folders, with build properties carrying <paramref name="token"/>.</summary>
    public static AndroidBuild Create(string root, string token)
    {
        var build = new AndroidBuild(root);
        File.WriteAllText(Path.Combine(build.SystemContent, "etc", "build.prop"), $"ro.build.fingerprint={token}\n");
        File.WriteAllText(Path.Combine(build.VendorContent, "etc", "vendor.prop"), $"ro.vendor.build={token}\n");
        return build;
    }

    /// <summary>Writes the images from the content folders as they are now.</summary>
    public async Task WriteImagesAsync()
    {
        string mkfs = ExternalTool.Require("mkfs.ext4", "e2fsprogs");
        string img2simg = ExternalTool.Require("img2simg", "android-sdk-libsparse-utils");
        string root = Path.GetDirectoryName(Folder)!;
        string system = Path.Combine(Folder, "system.img"), vendor = Path.Combine(Folder, "vendor.img");
        foreach ((string content, string label, int mebibytes, string sparse) in new[] { (SystemContent, "system", 24, system), (VendorContent, "vendor", 8, vendor) })
        {
            string raw = Path.Combine(root, label + ".raw");
            ExternalTool.RunChecked(mkfs, "-q", "-F", "-d", content, "-L", label, raw, $"{mebibytes}M");
            ExternalTool.RunChecked(img2simg, raw, sparse);
            File.Delete(raw);
        }
        CliResult super = await CliHarness.RunAsync(
            "super", "make", "--device-size", $"{48 * MiB}", "--metadata-size", "65536", "--metadata-slots", "2",
            "--group", "main:0", "--partition", $"system_a:readonly:{24 * MiB}:main", "--partition", $"vendor_a:readonly:{8 * MiB}:main",
            "--image", "system_a=" + system, "--image", "vendor_a=" + vendor, "--sparse", "--output", Super);
        Assert.That(super.ExitCode, Is.Zero, super.Error);
        await File.WriteAllBytesAsync(Misc, new byte[64 * 1024]);
        await File.WriteAllBytesAsync(Vbmeta, new byte[4096]);
        ExternalTool.RunChecked(mkfs, "-q", "-F", "-L", "userdata", Userdata, "32M");
    }
}
