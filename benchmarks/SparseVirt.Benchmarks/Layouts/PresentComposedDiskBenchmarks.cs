using BenchmarkDotNet.Attributes;
using SparseVirt.BlockSources;
using SparseVirt.Layouts.Gpt;
using SparseVirt.Layouts.Super;
using SparseVirt.Sparse;

namespace SparseVirt.Benchmarks.Layouts;

/// <summary>
/// Presenting layouts without writing them, on benchmarks/layouts-bench's workload (a sparse super.img holding a
/// 1.5 GiB ext4 system, a sparse vbmeta): from the file names to a composed GPT disk whose partition table and first
/// and last MiB have been read (what a guest or an NBD client reads first), and to a super partition opened for reading.
/// </summary>
[MemoryDiagnoser]
public class PresentComposedDiskBenchmarks
{
    private string _super = "", _vbmeta = "";

    [GlobalSetup]
    public void Setup()
    {
        string dir = Environment.GetEnvironmentVariable("BENCH_DIR") ?? "/tmp/sparsevirt-layouts-bench";
        _super = Path.Combine(dir, "super.simg");
        _vbmeta = Path.Combine(dir, "vbmeta.simg");
        if (!File.Exists(_super) || !File.Exists(_vbmeta))
        {
            throw new InvalidOperationException($"Run benchmarks/layouts-bench first: it makes the workload in {dir}.");
        }
    }

    [Benchmark]
    public long PresentComposedDisk()
    {
        using SparseBlockSource vbmeta = SparseBlockSource.Open(_vbmeta), super = SparseBlockSource.Open(_super);
        GptComposition composition = GptComposer.Compose(GptCompositeDefinition.Empty.WithPartition("vbmeta", vbmeta).WithPartition("super", super));
        byte[] buffer = new byte[1024 * 1024];
        composition.Disk.Read(0, buffer);
        composition.Disk.Read(composition.Disk.Length - buffer.Length, buffer);
        return composition.Disk.GetExtents(0, composition.Disk.Length).Count();
    }

    [Benchmark]
    public long PresentSuperPartition()
    {
        using SparseBlockSource super = SparseBlockSource.Open(_super);
        IBlockSource system = SuperImage.Open(super).OpenPartition("system");
        byte[] buffer = new byte[1024 * 1024];
        system.Read(0, buffer);
        return system.Length;
    }
}
