using System.Buffers.Binary;
using System.Text;
using SparseVirt.FileSystems.Drivers;

namespace SparseVirt.FileSystems.Erofs;

/// <summary>
/// Decodes extended attributes: an inode's inline body (a 12-byte header with the shared-xattr count, the 4-byte ids
/// of the shared ones, then inline entries) and single entries (<c>e_name_len</c>, <c>e_name_index</c>,
/// <c>e_value_size</c>, name, value, padded to 4 bytes), inline or in the shared area.
/// </summary>
internal static class ErofsXattrs
{
    /// <summary>The short name prefixes by <c>e_name_index</c> (the kernel's handlers; others are not listed).</summary>
    private static readonly string?[] Prefixes =
        [null, "user.", "system.posix_acl_access", "system.posix_acl_default", "trusted.", null, "security."];

    /// <summary>The ids of the shared xattrs an inline body names, and where its inline entries begin.</summary>
    public static uint[] ParseIbodyHeader(ReadOnlySpan<byte> ibody, ulong nid, long position, out int entriesOffset)
    {
        if (ibody.Length < ErofsFormat.XattrIbodyHeaderSize)
        {
            throw Invalid(nid, position, $"the inline xattr body is {ibody.Length} bytes, shorter than its 12-byte header");
        }
        int shared = ibody[4];
        entriesOffset = ErofsFormat.XattrIbodyHeaderSize + (shared * 4);
        if (entriesOffset > ibody.Length)
        {
            throw Invalid(nid, position, $"h_shared_count {shared} needs {entriesOffset} bytes, more than the {ibody.Length}-byte xattr body");
        }
        var ids = new uint[shared];
        for (int index = 0; index < shared; index++)
        {
            ids[index] = BinaryPrimitives.ReadUInt32LittleEndian(ibody[(ErofsFormat.XattrIbodyHeaderSize + (index * 4))..]);
        }
        return ids;
    }

    /// <summary>Decodes the inline entries that fill <paramref name="entries"/> (the body after the shared ids).</summary>
    public static void ParseEntries(ReadOnlySpan<byte> entries, ulong nid, long position, List<ExtendedAttribute> attributes)
    {
        int offset = 0;
        while (offset < entries.Length)
        {
            int length = ParseEntry(entries[offset..], nid, position + offset, attributes);
            offset += (length + 3) & ~3;
        }
    }

    /// <summary>
    /// The full length of the entry whose 4-byte header is <paramref name="header"/> (without the padding).
    /// </summary>
    public static int EntryLength(ReadOnlySpan<byte> header) =>
        ErofsFormat.XattrEntryHeaderSize + header[0] + BinaryPrimitives.ReadUInt16LittleEndian(header[2..]);

    /// <summary>Decodes one entry at the start of <paramref name="entry"/>; returns its length without padding.</summary>
    public static int ParseEntry(ReadOnlySpan<byte> entry, ulong nid, long offset, List<ExtendedAttribute> attributes)
    {
        if (entry.Length < ErofsFormat.XattrEntryHeaderSize)
        {
            throw Invalid(nid, offset, $"an xattr entry header needs 4 bytes, {entry.Length} remain");
        }
        int length = EntryLength(entry);
        if (length > entry.Length)
        {
            throw Invalid(nid, offset, $"the xattr entry needs {length} bytes (name and value), {entry.Length} remain");
        }
        int nameLength = entry[0];
        int index = entry[1];
        if ((index & ErofsFormat.XattrLongPrefixFlag) != 0)
        {
            throw Invalid(nid, offset, $"the xattr entry names the long prefix {index & 0x7F}, but the image has no long prefix table");
        }
        string? prefix = index < Prefixes.Length ? Prefixes[index] : null;
        if (prefix is not null)
        {
            ReadOnlySpan<byte> name = entry.Slice(ErofsFormat.XattrEntryHeaderSize, nameLength);
            byte[] value = entry.Slice(ErofsFormat.XattrEntryHeaderSize + nameLength, length - ErofsFormat.XattrEntryHeaderSize - nameLength).ToArray();
            attributes.Add(new ExtendedAttribute(prefix + Encoding.UTF8.GetString(name), value));
        }
        return length;
    }

    private static InvalidDataException Invalid(ulong nid, long offset, string what) =>
        new($"EROFS xattrs of inode nid {nid} at byte {offset}: {what}.");
}
