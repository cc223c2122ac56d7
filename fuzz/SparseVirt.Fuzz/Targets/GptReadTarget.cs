namespace SparseVirt.Fuzz.Targets;

/// <summary>
/// Reading a GPT disk: the protective MBR, the primary header and its entry array (with their CRC32s), the backup
/// as the fallback, and the partition ranges against the disk; accepted partitions are opened and read at both ends.
/// </summary>
internal sealed class GptReadTarget : FuzzTarget
{
    public override string Name => "gpt-read";

    public override string Description => "GptDisk.Open on the bytes as a 512-byte-sector disk, then every partition opened and read";

    public override void Run(byte[] input)
    {
        GptDisk disk = GptDisk.Open(new MemoryBlockSource(input, 512));
        foreach (GptPartitionEntry entry in disk.Table.Partitions)
        {
            IBlockSource partition = disk.OpenPartition(entry);
            if (partition.Length > 0)
            {
                partition.Read(0, new byte[Math.Min(512, partition.Length)]);
                partition.Read(partition.Length - 1, new byte[1]);
            }
        }
    }

    public override bool IsExpected(Exception exception) => exception is InvalidDataException or EndOfStreamException;

    // The seed is checked in: fuzz/corpus/gpt-read/sgdisk-64k-two-partitions.img, a 64 KiB disk partitioned by sgdisk
    // (a composed disk is over 2 MiB, past what AFL takes as a seed).
}
