namespace SparseVirt.Fuzz.Targets;

/// <summary>
/// Reading a super image's liblp metadata: geometry (primary and backup), the metadata header and tables of slot 0,
/// their SHA-256 checksums, the partition, extent, group and block-device tables, and the checks between them. An
/// accepted image's partitions are then opened as block sources and their extents listed.
/// </summary>
internal sealed class SuperMetadataTarget : FuzzTarget
{
    public override string Name => "super-metadata";

    public override string Description => "SuperImage.Open on the bytes as a raw super image (or super_empty.img), then every partition's extents";

    public override void Run(byte[] input)
    {
        SuperImage super = SuperImage.Open(new MemoryBlockSource(input));
        if (super.IsEmptyImage)
        {
            return;   // metadata only: there are no partition contents to open
        }
        foreach (LpPartition partition in super.Metadata.Partitions)
        {
            IBlockSource view = super.OpenPartition(partition.Name);
            long covered = view.GetExtents(0, view.Length).Sum(e => e.Length);
            if (covered != view.Length)
            {
                throw new FuzzFindingException($"Partition {partition.Name}'s extents cover {covered} of its {view.Length} bytes.");
            }
        }
    }

    public override bool IsExpected(Exception exception) => exception is InvalidDataException or EndOfStreamException
        || exception is NotSupportedException;   // documented: an extent on another block device (a retrofit super)

    public override IEnumerable<(string Name, byte[] Bytes)> GeneratedSeeds()
    {
        SuperImageBuild empty = SuperImageBuilder.Build(SuperImageDefinition.Default
            .WithDeviceSize(4 * 1024 * 1024)
            .WithMetadataSize(4096)
            .WithMetadataSlots(2)
            .WithGroup("main", 2 * 1024 * 1024)
            .WithPartition("system", LpPartitionAttributes.ReadOnly, 1024 * 1024, "main")
            .WithPartition("vendor", LpPartitionAttributes.ReadOnly, 256 * 1024, "main"));
        yield return ("generated-super-empty-two-partitions", ReadAll(empty.Image));

        // A whole (small) device with its partitions' contents, so accepted inputs reach the partition views too.
        SuperImageBuild full = SuperImageBuilder.Build(SuperImageDefinition.Default
            .WithDeviceSize(64 * 1024)
            .WithAlignment(4096)
            .WithMetadataSize(4096)
            .WithMetadataSlots(2)
            .WithPartition("system", LpPartitionAttributes.ReadOnly, 8192)
            .WithPartition("vendor", LpPartitionAttributes.None, 4096)
            .WithImage("system", new MemoryBlockSource(Enumerable.Range(0, 8192).Select(i => (byte)i).ToArray(), 4096))
            .WithForceFullImage());
        yield return ("generated-full-device-two-partitions", ReadAll(full.Image));
    }

    private static byte[] ReadAll(IBlockSource source)
    {
        byte[] bytes = new byte[source.Length];
        source.Read(0, bytes);
        return bytes;
    }
}
