namespace SparseVirt.FileSystems.Erofs;

/// <summary>
/// One decoded lcluster index entry. HEAD and PLAIN lclusters start an extent at <see cref="ClusterOffset"/> and
/// name its pcluster (<see cref="BlockAddress"/>); a NONHEAD lcluster lies inside an extent, <see cref="Delta0"/>
/// lclusters after its head and <see cref="Delta1"/> before the next head (0 when not known), and the first NONHEAD
/// of a big pcluster carries its compressed block count instead (<see cref="CompressedBlocks"/>, <c>Delta0</c> 1).
/// <see cref="NextPackPosition"/> is the byte after the pack holding this entry (where tail-packed data follows the
/// last one).
/// </summary>
internal readonly record struct ErofsLcluster(
    ErofsLclusterType Type,
    int ClusterOffset,
    int Delta0,
    int Delta1,
    uint BlockAddress,
    int CompressedBlocks,
    long NextPackPosition)
{
    public bool IsHead => Type != ErofsLclusterType.NonHead;
}
