using System.Text;
using SparseVirt.BlockSources;
using SparseVirt.Layouts;
using SparseVirt.Layouts.Gpt;
using SparseVirt.Tests.Infrastructure;
using SparseVirt.Tests.TestGuests;

namespace SparseVirt.Tests.Layouts;

/// <summary>
/// QEMU boots a composed disk: the protective MBR's boot code loads the first partition's boot sector, which reads
/// the second partition's first sector (BIOS INT 13h extended read) and prints it on COM1, then powers off.
/// </summary>
public class GptBootTests
{
    private const string Message = "GPT chain: read from partition two";

    [Test]
    public async Task Qemu_boots_a_composed_disk_whose_first_partition_reads_from_the_second()
    {
        string qemu = ExternalTool.Require("qemu-system-x86_64", "qemu-system-x86");
        using var folder = new TempDirectory();
        const long SecondPartitionLba = 2048 + 2048; // the first partition is one sector, rounded up to 1 MiB
        byte[] payload = new byte[512];
        Encoding.ASCII.GetBytes(Message + "\r\n").CopyTo(payload, 0);
        GptComposition composition = GptComposer.Compose(GptCompositeDefinition.Empty
            .WithBootCode(GptChainBootGuest.MbrChainLoader(firstPartitionLba: 2048))
            .WithPartition("boot", new MemoryBlockSource(GptChainBootGuest.PartitionBootSector(SecondPartitionLba), 512))
            .WithPartition("payload", new MemoryBlockSource(payload, 512)));
        Assert.That(composition.Table.Partitions[1].FirstLba, Is.EqualTo(SecondPartitionLba));
        string disk = folder.Combine("disk.img");
        await BlockSourceFile.WriteAsync(composition.Disk, disk);

        string serial = folder.Combine("serial.txt");
        ToolResult result = ExternalTool.Run(qemu,
            ["-machine", "pc,accel=tcg", "-m", "32", "-nodefaults", "-display", "none", "-no-reboot",
             "-drive", $"file={disk},format=raw,if=ide", "-serial", "file:" + serial],
            TimeSpan.FromSeconds(60));

        Assert.That(result.ExitCode, Is.Zero, result.Error);
        Assert.That(File.ReadAllText(serial), Does.Contain(Message));
    }
}
