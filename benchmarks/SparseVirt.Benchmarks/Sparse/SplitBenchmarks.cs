using BenchmarkDotNet.Attributes;
using SparseVirt.Sparse;

namespace SparseVirt.Benchmarks.Sparse;

/// <summary>Planning the pieces of an image of 100,000 chunks (RAW, FILL and DONT_CARE in turn) under a 256 MiB limit.</summary>
[MemoryDiagnoser]
[Config(typeof(ThroughputConfig))]
public class SplitBenchmarks
{
    private SparseHeader _header;
    private SparseChunk[] _chunks = [];

    [GlobalSetup]
    public void Setup()
    {
        _chunks = new SparseChunk[100_000];
        long block = 0, offset = 28;
        for (int i = 0; i < _chunks.Length; i++)
        {
            var type = (i % 3) switch { 0 => SparseChunkType.Raw, 1 => SparseChunkType.Fill, _ => SparseChunkType.DontCare };
            uint blocks = (uint)(1 + (i % 50));
            long payload = type switch { SparseChunkType.Raw => blocks * 4096L, SparseChunkType.Fill => 4, _ => 0 };
            _chunks[i] = new SparseChunk(i, type, block, blocks, offset, offset + 12, payload, type == SparseChunkType.Fill ? 0xDEADBEEF : 0);
            block += blocks;
            offset += 12 + payload;
        }
        _header = SparseHeader.Create(4096, (uint)block, (uint)_chunks.Length);
    }

    [Benchmark]
    public int Plan() => SparsePiecePlanner.Plan(_header, _chunks, 256L * 1024 * 1024).Count;
}
