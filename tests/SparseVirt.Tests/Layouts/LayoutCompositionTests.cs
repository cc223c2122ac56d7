using SparseVirt.BlockSources;
using SparseVirt.Layouts;
using SparseVirt.Layouts.Composition;
using SparseVirt.Layouts.Super;
using SparseVirt.Tests.Cli;
using SparseVirt.Tests.Infrastructure;

namespace SparseVirt.Tests.Layouts;

/// <summary>Composed block sources: reads across segments, extents mapped from their inputs, and hole-preserving writes.</summary>
public class LayoutCompositionTests
{
    /// <summary>A source whose second half is a hole: lets tests see extents pass through a composition.</summary>
    private sealed class HalfHoleSource(byte[] bytes) : IBlockSource
    {
        public long Length => bytes.Length;

        public int BlockSize => 4096;

        public void Read(long offset, Span<byte> destination) => bytes.AsSpan((int)offset, destination.Length).CopyTo(destination);

        public ValueTask ReadAsync(long offset, Memory<byte> destination, CancellationToken cancellationToken = default)
        {
            Read(offset, destination.Span);
            return ValueTask.CompletedTask;
        }

        public IEnumerable<BlockExtent> GetExtents(long offset, long length)
        {
            long middle = Length / 2;
            if (offset < middle)
            {
                yield return new BlockExtent(offset, Math.Min(length, middle - offset), BlockExtentKind.Data);
            }
            if (offset + length > middle)
            {
                long from = Math.Max(offset, middle);
                yield return new BlockExtent(from, offset + length - from, BlockExtentKind.Hole);
            }
        }
    }

    [Test]
    public async Task Segments_read_across_boundaries_map_their_inputs_extents_and_write_with_holes()
    {
        byte[] input = new byte[8192 * 2];
        new Random(3).NextBytes(input.AsSpan(0, 8192));
        var layout = new SegmentLayout();
        layout.AddBytes(0, new byte[] { 1, 2, 3, 4 });
        layout.AddSource(65536, input.Length, new HalfHoleSource(input), 0);
        layout.AddZeros(131072, 4096);
        SegmentedBlockSource source = layout.Build(262144, 4096);

        byte[] across = new byte[16];
        source.Read(65536 - 8, across);
        Assert.That(across, Is.EqualTo(new byte[8].Concat(input[..8]).ToArray()));
        Assert.That(source.GetExtents(0, source.Length), Is.EqualTo(new[]
        {
            new BlockExtent(0, 4, BlockExtentKind.Data),
            new BlockExtent(4, 65532, BlockExtentKind.Hole),
            new BlockExtent(65536, 8192, BlockExtentKind.Data),
            new BlockExtent(65536 + 8192, 131072 - 65536 - 8192, BlockExtentKind.Hole),
            new BlockExtent(131072, 4096, BlockExtentKind.Zero),
            new BlockExtent(135168, 262144 - 135168, BlockExtentKind.Hole),
        }));

        using var folder = new TempDirectory();
        string path = folder.Combine("out.raw");
        File.WriteAllText(path, "an existing file is replaced");
        long written = await BlockSourceFile.WriteAsync(source, path);
        byte[] expected = new byte[source.Length];
        source.Read(0, expected);
        Assert.That(File.ReadAllBytes(path), Is.EqualTo(expected));
        Assert.That(written, Is.EqualTo(4 + 8192));
        Assert.That(LayoutFixtures.AllocatedBytes(path), Is.LessThanOrEqualTo(3 * 4096), "only the data blocks are allocated");
        Assert.That(Directory.GetFiles(folder.FullPath), Has.Length.EqualTo(1), "no temporary file is left behind");
    }

    [Test]
    public void A_built_super_image_maps_an_image_shorter_than_its_partition_and_reads_back()
    {
        byte[] image = new byte[5000];
        new Random(9).NextBytes(image);
        SuperImageBuild build = SuperImageBuilder.Build(SuperImageDefinition.Default
            .WithDeviceSize(4 * 1024 * 1024).WithMetadataSize(4096).WithMetadataSlots(1)
            .WithPartition("boot", LpPartitionAttributes.None, 8192)
            .WithImage("boot", new MemoryBlockSource(image, 512)));
        SuperImage super = SuperImage.Open(build.Image);
        IBlockSource boot = super.OpenPartition("boot");

        byte[] read = new byte[boot.Length];
        boot.Read(0, read);
        Assert.That(read.AsSpan(0, 5000).ToArray(), Is.EqualTo(image));
        Assert.That(read.AsSpan(5000).ContainsAnyExcept((byte)0), Is.False);
        Assert.That(super.Metadata.SuperDevice.FirstLogicalSector, Is.EqualTo(2048));
    }

    [TestCase("DeviceSize", 0UL, "is not a positive multiple")]
    [TestCase("Partitions", 1UL << 40, "not enough space")]
    public void Definitions_that_cannot_be_built_name_the_property(string property, ulong value, string expected)
    {
        SuperImageDefinition definition = SuperImageDefinition.Default.WithDeviceSize(4 * 1024 * 1024).WithMetadataSize(4096).WithMetadataSlots(2)
            .WithPartition("system", LpPartitionAttributes.ReadOnly, property == "Partitions" ? value : 4096);
        if (property == "DeviceSize")
        {
            definition = definition.WithDeviceSize(value);
        }
        var e = Assert.Throws<ArgumentException>(() => SuperImageBuilder.Build(definition));
        Assert.That(e!.Message, Does.StartWith("SuperImageDefinition." + property + ":").And.Contain(expected).And.Not.Contain("--"));
    }

    [Test]
    public void An_image_without_its_partition_is_named_by_its_key()
    {
        SuperImageDefinition definition = SuperImageDefinition.Default.WithDeviceSize(4 * 1024 * 1024).WithMetadataSize(4096).WithMetadataSlots(2)
            .WithPartition("system", LpPartitionAttributes.ReadOnly, 4096)
            .WithImage("vendor", new MemoryBlockSource(new byte[4096], 4096));
        var e = Assert.Throws<ArgumentException>(() => SuperImageBuilder.Build(definition));
        Assert.That(e!.Message, Does.StartWith("SuperImageDefinition.Images[\"vendor\"]: there is no partition 'vendor'"));
    }

    [TestCase("4194304", "1000", "--block-size: 1000 is not a positive multiple of 512")]
    [TestCase("4194305", "4096", "--device-size: 4194305 is not a positive multiple")]
    public async Task Super_make_names_its_flags(string deviceSize, string blockSize, string expected)
    {
        using var folder = new TempDirectory();
        CliResult result = await CliHarness.RunAsync("super", "make", "--device-size", deviceSize, "--block-size", blockSize, "--metadata-size", "4096", "--metadata-slots", "2",
            "--partition", "system:readonly:4096", "--output", folder.Combine("super.img"));
        Assert.That(result.ExitCode, Is.Not.Zero);
        Assert.That(result.Error, Does.Contain(expected).And.Not.Contain("SuperImageDefinition"));
    }

    [Test]
    public async Task Super_make_names_the_image_flag()
    {
        using var folder = new TempDirectory();
        string image = folder.Combine("vendor.img");
        File.WriteAllBytes(image, new byte[4096]);
        CliResult result = await CliHarness.RunAsync("super", "make", "--device-size", "4194304", "--metadata-size", "4096", "--metadata-slots", "2",
            "--partition", "system:readonly:4096", "--image", "vendor=" + image, "--output", folder.Combine("super.img"));
        Assert.That(result.ExitCode, Is.Not.Zero);
        Assert.That(result.Error, Does.Contain("--image vendor=...: there is no partition 'vendor'"));
    }
}
