namespace SparseVirt.Layouts.Super;

/// <summary>
/// A super partition's geometry (liblp's <c>LpMetadataGeometry</c>): how big each metadata copy may be, how many
/// slots there are and the logical block size. Stored twice, at 4096 and 8192 (at 0 in a <c>super_empty.img</c>).
/// </summary>
/// <param name="MetadataMaxSize">The most bytes one copy of the metadata may take (a multiple of 512).</param>
/// <param name="MetadataSlotCount">How many metadata slots there are (2 for A/B devices); each has a backup copy.</param>
/// <param name="LogicalBlockSize">The block size partitions and extents are aligned to (a multiple of 512).</param>
public sealed record LpGeometry(uint MetadataMaxSize, uint MetadataSlotCount, uint LogicalBlockSize);
