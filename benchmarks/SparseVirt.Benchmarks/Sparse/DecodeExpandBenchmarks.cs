using System.IO.Pipelines;
using BenchmarkDotNet.Attributes;
using SparseVirt.Sparse;

namespace SparseVirt.Benchmarks.Sparse;

/// <summary>Expansion throughput of RAW data: file to file (copy_file_range), and through the pipeline decoder from memory.</summary>
[MemoryDiagnoser]
[Config(typeof(ThroughputConfig))]
[BytesPerOperation(RawBytes)]
public class DecodeExpandBenchmarks
{
    /// <summary>The expanded bytes each benchmark produces.</summary>
    public const int RawBytes = 64 * 1024 * 1024;

    private string _folder = "";
    private string _sparsePath = "";
    private byte[] _image = [];

    [GlobalSetup]
    public void Setup()
    {
        _folder = Directory.CreateTempSubdirectory("sparsevirt-bench-").FullName;
        _image = DecodeBenchmarkImages.OneRawChunk(RawBytes);
        _sparsePath = Path.Combine(_folder, "in.simg");
        File.WriteAllBytes(_sparsePath, _image);
    }

    [GlobalCleanup]
    public void Cleanup() => Directory.Delete(_folder, recursive: true);

    [Benchmark(Description = "file to file (kernel copy)")]
    public void FileToFile() => SparseImage.ToRaw(_sparsePath, Path.Combine(_folder, "out.raw"));

    [Benchmark(Description = "file to file, CRC32 verified")]
    public void FileToFileVerified() => SparseImage.ToRaw(_sparsePath, Path.Combine(_folder, "out.raw"), SparseExpandOptions.Default.WithVerifyChecksums());

    [Benchmark(Description = "pipeline from memory to Stream.Null")]
    public async Task PipelineToNull()
    {
        PipeReader reader = PipeReader.Create(new MemoryStream(_image, writable: false), SparsePipeDecoder.ReaderOptions(leaveOpen: false));
        await SparsePipeDecoder.ExpandAsync(reader, Stream.Null);
        await reader.CompleteAsync();
    }
}
