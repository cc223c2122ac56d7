using System.IO.Pipelines;
using BenchmarkDotNet.Attributes;
using SparseVirt.Sparse;

namespace SparseVirt.Benchmarks.Sparse;

/// <summary>
/// Per-chunk costs: reading the chunk table, and streaming an image through the pipeline decoder into a sink.
/// Compare Allocated across the chunk counts: the table's own array grows with the chunks, nothing else should;
/// the pipeline decoder should allocate the same at any chunk count.
/// </summary>
[MemoryDiagnoser]
public class DecodeChunkBenchmarks
{
    private byte[] _image = [];

    [Params(1_000, 10_000)]
    public int Chunks { get; set; }

    [GlobalSetup]
    public void Setup() => _image = DecodeBenchmarkImages.ManySmallChunks(Chunks);

    [Benchmark(Description = "chunk table (SparseImage.Open)")]
    public int ParseChunkTable()
    {
        using SparseImage image = SparseImage.Open(new MemoryStream(_image, writable: false));
        return image.Chunks.Count;
    }

    [Benchmark(Description = "pipeline decode to Stream.Null")]
    public async Task<uint> PipelineDecode()
    {
        PipeReader reader = PipeReader.Create(new MemoryStream(_image, writable: false), SparsePipeDecoder.ReaderOptions(leaveOpen: false));
        SparseHeader header = await SparsePipeDecoder.ExpandAsync(reader, Stream.Null);
        await reader.CompleteAsync();
        return header.TotalChunks;
    }
}
