using System.Buffers.Binary;
using BenchmarkDotNet.Attributes;
using SparseVirt.Sparse;

namespace SparseVirt.Benchmarks.Sparse;

/// <summary>
/// Block classification throughput (the FILL test of every block of a raw image) on 64 MiB of zeros (every word
/// compared), of one fill word, and of random data (decided in the first vector of each block). The GB/s column
/// is the input bytes classified per second; MemoryDiagnoser shows nothing is allocated per block.
/// </summary>
[MemoryDiagnoser]
[Config(typeof(ThroughputConfig))]
[BytesPerOperation(Bytes)]
public class ClassifyBenchmarks
{
    public const int Bytes = 64 * 1024 * 1024;

    private byte[] _data = [];

    [Params("zeros", "fill", "random")]
    public string Content { get; set; } = "zeros";

    [Params(4096)]
    public int BlockSize { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _data = new byte[Bytes];
        if (Content == "random")
        {
            new Random(1).NextBytes(_data);
        }
        else if (Content == "fill")
        {
            for (int i = 0; i < _data.Length; i += 4)
            {
                BinaryPrimitives.WriteUInt32LittleEndian(_data.AsSpan(i), 0xDEADBEEF);
            }
        }
    }

    /// <summary>Classifies every block on its own, as a converter that looked at blocks one by one would.</summary>
    [Benchmark(Baseline = true)]
    public int EveryBlock()
    {
        int fills = 0;
        ReadOnlySpan<byte> data = _data;
        for (int offset = 0; offset < data.Length; offset += BlockSize)
        {
            if (BlockClassifier.TryGetFillValue(data.Slice(offset, BlockSize), out _))
            {
                fills++;
            }
        }
        return fills;
    }

    /// <summary>Classifies into runs, as the converter does (a run of one fill word is compared against that word).</summary>
    [Benchmark]
    public int Runs()
    {
        int runs = 0;
        ReadOnlySpan<byte> data = _data;
        int offset = 0;
        while (offset < data.Length)
        {
            ReadOnlySpan<byte> rest = data[offset..];
            int count = BlockClassifier.TryGetFillValue(rest[..BlockSize], out uint value)
                ? 1 + BlockClassifier.CountFilledBlocks(rest[BlockSize..], BlockSize, value)
                : 1 + BlockClassifier.CountDataBlocks(rest[BlockSize..], BlockSize, out _, out _);
            offset += count * BlockSize;
            runs++;
        }
        return runs;
    }
}
