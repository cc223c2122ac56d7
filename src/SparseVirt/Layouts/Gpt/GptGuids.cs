using System.Security.Cryptography;
using System.Text;

namespace SparseVirt.Layouts.Gpt;

/// <summary>
/// The GUIDs of a composed disk when none are given: name-based UUIDs (RFC 9562 version 8, from SHA-256 as the RFC's
/// appendix B.2 shows), so the same inputs compose the same bytes (<c>compose</c> twice, <c>serve --gpt</c>: one
/// disk). The disk GUID is named by the layout (every partition's label, position and image length); each partition
/// GUID by the disk GUID (the seed: a caller's fixed one varies every partition's too), its number, label and
/// position, so partitions never share one.
/// </summary>
internal static class GptGuids
{
    // The namespace of these names: a fixed random UUID. Changing it changes the bytes of every composed disk.
    private static readonly Guid s_namespace = new("8f3b6a52-4c1e-4d7a-9e60-2b5d1c9a7f34");

    /// <summary>The disk GUID named by the layout: each partition's label, first and last sector, and image length.</summary>
    public static Guid Disk(IReadOnlyList<(string Label, long FirstLba, long LastLba, long ImageLength)> partitions)
    {
        var name = new StringBuilder("gpt-disk");
        foreach ((string label, long first, long last, long length) in partitions)
        {
            name.Append('\n').Append(label).Append('\0').Append(first).Append('\0').Append(last).Append('\0').Append(length);
        }
        return NameBased(s_namespace, name.ToString());
    }

    /// <summary>The GUID of partition <paramref name="number"/> (from 1) of the disk <paramref name="diskId"/>.</summary>
    public static Guid Partition(Guid diskId, int number, string label, long firstLba, long lastLba) =>
        NameBased(diskId, $"gpt-partition\n{number}\0{label}\0{firstLba}\0{lastLba}");

    /// <summary>
    /// RFC 9562's name-based version 8 UUID: SHA-256 of the namespace (in network order) and the name's UTF-8, its
    /// first 16 bytes with the version (8) and the variant (binary 10) set.
    /// </summary>
    internal static Guid NameBased(Guid space, string name)
    {
        byte[] input = new byte[16 + Encoding.UTF8.GetByteCount(name)];
        space.TryWriteBytes(input, bigEndian: true, out _);
        Encoding.UTF8.GetBytes(name, input.AsSpan(16));
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(input, hash);
        hash[6] = (byte)((hash[6] & 0x0F) | 0x80);
        hash[8] = (byte)((hash[8] & 0x3F) | 0x80);
        return new Guid(hash[..16], bigEndian: true);
    }
}
