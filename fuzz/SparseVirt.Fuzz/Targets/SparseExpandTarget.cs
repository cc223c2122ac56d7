namespace SparseVirt.Fuzz.Targets;

/// <summary>Full expansion through the seekable path into a null (counting) seekable destination, then again verifying checksums.</summary>
internal sealed class SparseExpandTarget : FuzzTarget
{
    public override string Name => "sparse-expand";

    public override string Description => "SparseImage.ToRaw(Stream) into a seekable null sink, without and with checksum verification";

    public override void Run(byte[] input)
    {
        using SparseImage image = SparseInputs.Open(input);
        var plain = new BoundedSink(seekable: true);
        image.ToRaw(plain);
        if (plain.OutputLength != image.RawLength)
        {
            throw new FuzzFindingException($"The expansion is {plain.OutputLength} bytes long; the image says {image.RawLength}.");
        }
        var verified = new BoundedSink(seekable: true);
        image.ToRaw(verified, SparseExpandOptions.Default.WithVerifyChecksums());
        SparseInputs.AssertSameOutput(plain, verified, "the verifying expansion");
    }

    public override bool IsExpected(Exception exception) => SparseInputs.IsExpected(exception);

    public override IEnumerable<(string Name, byte[] Bytes)> GeneratedSeeds() => SparseInputs.Seeds();
}
