using SparseVirt.Interop;
using SparseVirt.Sparse;
using SparseVirt.Sparse.IO;
using SparseVirt.Tests.Infrastructure;

namespace SparseVirt.Tests.Sparse.Decoding;

/// <summary>Expansion onto a block device (a loop device over a file): written in place, DONT_CARE left as it was.</summary>
public class BlockDeviceTests
{
    [Test]
    public void ABlockDeviceIsWrittenInPlaceWithZeroFillsAndDontCareLeftAlone()
    {
        string? losetup = ExternalTool.Find("losetup");
        if (losetup is null || Environment.UserName != "root")
        {
            Assert.Ignore("needs root and losetup to attach a loop device");
        }
        using var folder = new TempDirectory();
        string backing = folder.Combine("disk.img");
        File.WriteAllBytes(backing, Enumerable.Repeat((byte)0xAA, 65536).ToArray());
        ToolResult attach = ExternalTool.Run(losetup!, ["-f", "--show", backing]);
        if (attach.ExitCode != 0)
        {
            Assert.Ignore($"no loop device could be attached here: {attach.Error.Trim()}");
        }
        string device = attach.Output.Trim();
        try
        {
            var builder = new SparseImageBuilder().Raw(1, seed: 1).DontCare(2).Fill(0, 1).Fill(0x01020304, 1);
            string sparse = folder.Combine("in.simg");
            File.WriteAllBytes(sparse, builder.Build());

            SparseImage.ToRaw(sparse, device);

            byte[] written = new byte[65536];
            using (FileStream stream = File.OpenRead(device))
            {
                stream.ReadExactly(written);
            }
            byte[] expected = builder.Expected;
            Assert.Multiple(() =>
            {
                Assert.That(FileStatus.Of(device).Kind, Is.EqualTo(UnixFileType.BlockDevice), "still the device, not a renamed file");
                Assert.That(written[..4096], Is.EqualTo(expected[..4096]), "RAW");
                Assert.That(written[4096..12288], Is.All.EqualTo((byte)0xAA), "DONT_CARE leaves what is there");
                Assert.That(written[12288..16384], Is.All.EqualTo((byte)0), "a zero FILL is written on a device");
                Assert.That(written[16384..20480], Is.EqualTo(expected[16384..20480]), "FILL");
                Assert.That(written[20480..], Is.All.EqualTo((byte)0xAA), "past the image the device is untouched");
            });
        }
        finally
        {
            ExternalTool.Run(losetup!, ["-d", device]);
        }
    }
}
