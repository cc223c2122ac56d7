using System.IO.Hashing;

namespace SparseVirt.Fuzz.Targets;

/// <summary>
/// The raw view of an image (<see cref="SparseBlockSource"/> and <see cref="SparseImage.OpenRawStream"/>): extents of
/// the whole image, and reads at offsets and lengths derived from the input, checked against each other and against
/// the seekable expansion where it is kept.
/// </summary>
internal sealed class SparseRawViewTarget : FuzzTarget
{
    private const int Reads = 12;
    private const int MaxReadBytes = 64 * 1024;

    public override string Name => "sparse-raw-view";

    public override string Description => "SparseBlockSource reads and extents, and SparseImage.OpenRawStream, at input-derived offsets";

    public override void Run(byte[] input)
    {
        using SparseImage image = SparseInputs.Open(input);
        using SparseBlockSource source = SparseBlockSource.FromImages([image]);
        using Stream rawStream = image.OpenRawStream();
        long covered = 0;
        foreach (BlockExtent extent in source.GetExtents(0, source.Length))
        {
            covered += extent.Length;
        }
        if (covered != source.Length)
        {
            throw new FuzzFindingException($"The extents cover {covered} bytes of a {source.Length}-byte view.");
        }
        BoundedSink? expanded = SparseInputs.TryExpandSeekable(input);
        // The offsets come from the input's own checksum, so a given input always reads the same places.
        var random = new Random((int)Crc32.HashToUInt32(input));
        byte[] viaSource = new byte[MaxReadBytes];
        byte[] viaStream = new byte[MaxReadBytes];
        for (int i = 0; i < Reads && source.Length > 0; i++)
        {
            long offset = i == 0 ? 0 : random.NextInt64(source.Length);
            int count = (int)Math.Min(random.Next(1, MaxReadBytes + 1), source.Length - offset);
            source.Read(offset, viaSource.AsSpan(0, count));
            rawStream.Position = offset;
            rawStream.ReadExactly(viaStream.AsSpan(0, count));
            if (!viaSource.AsSpan(0, count).SequenceEqual(viaStream.AsSpan(0, count)))
            {
                throw new FuzzFindingException($"The block source and the raw stream differ reading {count} bytes at {offset}.");
            }
            if (expanded is not null && offset < expanded.KeptPrefix.Length)
            {
                int compared = (int)Math.Min(count, expanded.KeptPrefix.Length - offset);
                if (!expanded.KeptPrefix.Slice((int)offset, compared).SequenceEqual(viaSource.AsSpan(0, compared)))
                {
                    throw new FuzzFindingException($"The block source and the seekable expansion differ reading {compared} bytes at {offset}.");
                }
            }
        }
    }

    public override bool IsExpected(Exception exception) => SparseInputs.IsExpected(exception);

    public override IEnumerable<(string Name, byte[] Bytes)> GeneratedSeeds() => SparseInputs.Seeds();
}
