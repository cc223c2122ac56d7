using SparseVirt.Interop;
using SparseVirt.Tests.Infrastructure;

namespace SparseVirt.Tests.Interop;

/// <summary>The one <c>struct statx</c> shape reads what the kernel wrote, for every field a caller uses.</summary>
[Platform("Linux")]
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public class StatxTests
{
    private const uint AllFields = Libc.StatxType | Libc.StatxMode | Libc.StatxUid | Libc.StatxGid | Libc.StatxSize | Libc.StatxBlocks;

    [Test]
    public void A_regular_file_reads_back_its_type_size_permissions_and_owner()
    {
        using var folder = new TempDirectory();
        string path = folder.Combine("file");
        byte[] data = new byte[12345];
        Random.Shared.NextBytes(data); // not zeros: a compressing file system would allocate less than the length
        File.WriteAllBytes(path, data);
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead);

        Assert.That(Libc.Statx(Libc.AtCurrentWorkingDirectory, path, 0, AllFields, out StatxBuffer status), Is.Zero);

        Assert.That(status.FileType, Is.EqualTo(UnixFileType.RegularFile));
        Assert.That(status.Size, Is.EqualTo(12345UL));
        Assert.That(status.Blocks * 512, Is.GreaterThanOrEqualTo(12345UL));
        Assert.That(status.Permissions, Is.EqualTo(Convert.ToInt32("640", 8)));
        Assert.That(status.Uid, Is.EqualTo(Libc.GetEffectiveUid()));
        Assert.That(status.Mask & AllFields, Is.EqualTo(AllFields));
    }

    [Test]
    public void Devices_and_directories_have_their_own_types_and_device_numbers()
    {
        Assert.That(Libc.Statx(Libc.AtCurrentWorkingDirectory, "/dev/null", 0, AllFields, out StatxBuffer devNull), Is.Zero);
        Assert.That(Libc.Statx(Libc.AtCurrentWorkingDirectory, "/", 0, AllFields, out StatxBuffer root), Is.Zero);

        Assert.That(devNull.FileType, Is.EqualTo(UnixFileType.CharacterDevice));
        Assert.That((devNull.DeviceMajor, devNull.DeviceMinor), Is.EqualTo((1u, 3u)), "/dev/null is device 1:3 on Linux");
        Assert.That(root.FileType, Is.EqualTo(UnixFileType.Directory));
    }

    [Test]
    public void A_missing_path_fails_with_ENOENT()
    {
        Assert.That(Libc.Statx(Libc.AtCurrentWorkingDirectory, "/no/such/path", 0, AllFields, out _), Is.EqualTo(-1));
        Assert.That(System.Runtime.InteropServices.Marshal.GetLastPInvokeError(), Is.EqualTo(Errno.ENOENT));
    }
}
