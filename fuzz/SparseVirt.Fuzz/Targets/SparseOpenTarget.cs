namespace SparseVirt.Fuzz.Targets;

/// <summary>Opening an image: the file header and the whole chunk table are parsed and validated.</summary>
internal sealed class SparseOpenTarget : FuzzTarget
{
    public override string Name => "sparse-open";

    public override string Description => "SparseImage.Open on the bytes: header and chunk table validation";

    public override void Run(byte[] input)
    {
        _ = SparseImage.IsSparseImage(input);
        using SparseImage image = SparseInputs.Open(input);
        long blocks = 0;
        foreach (SparseChunk chunk in image.Chunks)
        {
            blocks += chunk.BlockCount;
        }
        if (blocks != image.Header.TotalBlocks || image.RawLength != image.Header.RawLength)
        {
            throw new FuzzFindingException($"An accepted image's chunks cover {blocks} blocks but its header says {image.Header.TotalBlocks}.");
        }
    }

    public override bool IsExpected(Exception exception) => SparseInputs.IsExpected(exception);

    public override IEnumerable<(string Name, byte[] Bytes)> GeneratedSeeds() => SparseInputs.Seeds();
}
