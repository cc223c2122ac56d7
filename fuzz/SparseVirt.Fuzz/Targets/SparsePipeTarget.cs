using System.IO.Pipelines;
using SparseVirt.Tests.Sparse.Decoding;

namespace SparseVirt.Fuzz.Targets;

/// <summary>
/// The streaming decoder fed the same bytes in small, changing read sizes into a non-seekable sink; when the seekable
/// path accepts the image too, both outputs must be identical.
/// </summary>
internal sealed class SparsePipeTarget : FuzzTarget
{
    public override string Name => "sparse-pipe";

    public override string Description => "SparsePipeDecoder.ExpandAsync over a trickling non-seekable source, compared with the seekable path";

    /// <summary>The read sizes the source returns, in turn: headers and payloads straddle reads and buffer segments.</summary>
    private static readonly int[] ReadSizes = [1, 3, 17, 64, 509, 4096, 2];

    public override void Run(byte[] input)
    {
        var piped = new BoundedSink(seekable: false);
        int reads = 0;
        var source = new TrickleStream(input, () => ReadSizes[reads++ % ReadSizes.Length]);
        PipeReader reader = PipeReader.Create(source, new StreamPipeReaderOptions(bufferSize: 4096, minimumReadSize: 1));
        SparsePipeDecoder.ExpandAsync(reader, piped).GetAwaiter().GetResult();
        if (SparseInputs.TryExpandSeekable(input) is { } seekable)
        {
            SparseInputs.AssertSameOutput(seekable, piped, "the pipe decoder");
        }
    }

    public override bool IsExpected(Exception exception) => SparseInputs.IsExpected(exception);

    public override IEnumerable<(string Name, byte[] Bytes)> GeneratedSeeds() => SparseInputs.Seeds();
}
