using System.Collections.Immutable;
using SparseVirt.BlockSources;

namespace SparseVirt.Layouts.Gpt;

/// <summary>
/// The partitions of a GPT disk to compose, in order, each a label and an image (raw, the view of a sparse image, a
/// super partition: any block source). Immutable: vary it with the <c>With...</c> methods.
/// </summary>
public sealed record GptCompositeDefinition
{
    /// <summary>No partitions, GUIDs derived from the layout, no boot code.</summary>
    public static GptCompositeDefinition Empty { get; } = new();

    /// <summary>The partitions, in disk order.</summary>
    public ImmutableList<GptCompositePartition> Partitions { get; private init; } = [];

    /// <summary>
    /// The disk GUID; null derives one from the layout (every partition's label, position and image length), so the
    /// same inputs compose the same bytes, or draws a random one with <see cref="RandomGuids"/>. The partition GUIDs
    /// not given are derived from it: a fixed one varies them all.
    /// </summary>
    public Guid? DiskId { get; private init; }

    /// <summary>Whether the GUIDs not given are drawn at random, as sgdisk does, instead of derived from the layout.</summary>
    public bool RandomGuids { get; private init; }

    /// <summary>Up to 440 bytes of x86 boot code for the protective MBR (empty: zeros, as sgdisk writes on a blank disk).</summary>
    public ReadOnlyMemory<byte> BootCode { get; private init; }

    /// <summary>Returns a copy with one more partition labelled <paramref name="label"/> holding <paramref name="image"/> (which the caller keeps open while the result is used).</summary>
    /// <param name="label">The GPT partition name (at most 36 UTF-16 code units).</param>
    /// <param name="image">The partition's contents; the partition is its length rounded up to 1 MiB.</param>
    /// <param name="uniqueId">The partition GUID; null derives one from the disk GUID, the partition's number, label and position (or draws one with <see cref="RandomGuids"/>).</param>
    public GptCompositeDefinition WithPartition(string label, IBlockSource image, Guid? uniqueId = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(label);
        ArgumentNullException.ThrowIfNull(image);
        if (label.Length > GptFormat.NameChars)
        {
            throw new ArgumentException($"The label '{label}' is longer than the {GptFormat.NameChars} characters a GPT name holds.", nameof(label));
        }
        return this with { Partitions = Partitions.Add(new GptCompositePartition(label, image, uniqueId)) };
    }

    /// <summary>Returns a copy with a fixed disk GUID (the partition GUIDs not given are then derived from it).</summary>
    public GptCompositeDefinition WithDiskId(Guid diskId) => this with { DiskId = diskId };

    /// <summary>Returns a copy whose GUIDs not given are drawn at random on every composition, as sgdisk does (<paramref name="random"/> false: derived from the layout again).</summary>
    public GptCompositeDefinition WithRandomGuids(bool random = true) => this with { RandomGuids = random };

    /// <summary>Returns a copy whose protective MBR carries <paramref name="bootCode"/> (at most 440 bytes) instead of zeros.</summary>
    public GptCompositeDefinition WithBootCode(ReadOnlyMemory<byte> bootCode)
    {
        if (bootCode.Length > GptFormat.MbrBootCodeSize)
        {
            throw new ArgumentException($"MBR boot code is at most {GptFormat.MbrBootCodeSize} bytes; {bootCode.Length} were given.", nameof(bootCode));
        }
        return this with { BootCode = bootCode };
    }
}

/// <summary>One partition of a <see cref="GptCompositeDefinition"/>.</summary>
/// <param name="Label">The GPT partition name.</param>
/// <param name="Image">The partition's contents.</param>
/// <param name="UniqueId">The partition GUID, or null for a derived (or random) one.</param>
public sealed record GptCompositePartition(string Label, IBlockSource Image, Guid? UniqueId);

/// <summary>A composed disk: its table and its bytes.</summary>
/// <param name="Table">The partition table, as written into the disk.</param>
/// <param name="Disk">The whole disk: generated MBR and GPT structures, the images' ranges, holes elsewhere.</param>
public sealed record GptComposition(GptTable Table, IBlockSource Disk);
