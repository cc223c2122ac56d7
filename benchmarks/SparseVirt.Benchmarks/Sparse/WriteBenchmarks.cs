using BenchmarkDotNet.Attributes;
using SparseVirt.Sparse;

namespace SparseVirt.Benchmarks.Sparse;

/// <summary>
/// Raw to sparse conversion of 64 MiB held in memory into a discarding output: classification, run merging and
/// chunk writing without disk I/O. "alternating" switches between data and fill every block (one chunk per
/// block: allocations must not grow with it); "mixed" is runs of data, zeros and fills.
/// </summary>
[MemoryDiagnoser]
[Config(typeof(ThroughputConfig))]
[BytesPerOperation(ClassifyBenchmarks.Bytes)]
public class WriteBenchmarks
{
    private byte[] _data = [];

    [Params("alternating", "mixed")]
    public string Layout { get; set; } = "mixed";

    [GlobalSetup]
    public void Setup()
    {
        _data = new byte[ClassifyBenchmarks.Bytes];
        var random = new Random(2);
        for (int block = 0, offset = 0; offset < _data.Length; block++, offset += 4096)
        {
            bool data = Layout == "alternating" ? block % 2 == 0 : (block / 64) % 3 == 0;
            if (data)
            {
                random.NextBytes(_data.AsSpan(offset, 4096));
            }
            else if (Layout == "alternating" || (block / 64) % 3 == 1)
            {
                _data.AsSpan(offset, 4096).Fill((byte)(block % 7));
            }
        }
    }

    [Benchmark]
    public async Task<long> Convert()
    {
        using var output = new DiscardingOutput();
        SparseChunkWriter writer = await SparseChunkWriter.StartAsync(output, SparseWriterOptions.Default, async: false, CancellationToken.None);
        await RawBlockFeeder.AddBlocksAsync(_data, writer);
        var header = await writer.FinishAsync();
        return header.TotalChunks;
    }

    private sealed class DiscardingOutput : SparseOutput
    {
        protected override ValueTask WriteAtCoreAsync(long offset, ReadOnlyMemory<byte> data, bool async, CancellationToken cancellationToken) => ValueTask.CompletedTask;
    }
}
