using SparseVirt.Qemu;
using SparseVirt.Qemu.Disks;
using SparseVirt.Tests.Infrastructure;

namespace SparseVirt.Tests.Qemu;

/// <summary><see cref="QemuImageFile.FormatOf"/> names the format QEMU is told, from a file's first bytes.</summary>
public sealed class QemuImageFormatTests
{
    [Test]
    public void TheQcow2MagicIsQcow2AndAnythingElseRaw()
    {
        Assert.Multiple(() =>
        {
            Assert.That(QemuImageFile.FormatOf([(byte)'Q', (byte)'F', (byte)'I', 0xFB, 0, 0, 0, 3]), Is.EqualTo(QemuDiskFormat.Qcow2));
            Assert.That(QemuImageFile.FormatOf(new byte[4096]), Is.EqualTo(QemuDiskFormat.Raw));
            Assert.That(QemuImageFile.FormatOf([(byte)'Q', (byte)'F', (byte)'I']), Is.EqualTo(QemuDiskFormat.Raw), "three bytes are not the magic");
            Assert.That(QemuImageFile.FormatOf([(byte)'Q', (byte)'F', (byte)'I', 0xFA]), Is.EqualTo(QemuDiskFormat.Raw));
            Assert.That(QemuImageFile.FormatOf([]), Is.EqualTo(QemuDiskFormat.Raw));
        });
    }

    [Test]
    public async Task AnImageMadeByQemuImgIsQcow2()
    {
        string qemuImg = ExternalTool.Require("qemu-img", "qemu-utils");
        using var folder = new TempDirectory();
        string path = folder.Combine("disk.qcow2");
        ExternalTool.RunChecked(qemuImg, "create", "-q", "-f", "qcow2", path, "16M");
        byte[] first = new byte[QemuImageFile.FormatBytes];
        await using (FileStream stream = File.OpenRead(path))
        {
            await stream.ReadExactlyAsync(first);
        }
        Assert.That(QemuImageFile.FormatOf(first), Is.EqualTo(QemuDiskFormat.Qcow2));
    }
}
