using System.Buffers.Binary;
using System.Text;
using SparseVirt.FileSystems.Drivers;

namespace SparseVirt.FileSystems.Erofs;

/// <summary>
/// Decodes one directory block: an array of 12-byte dirents (<c>nid</c>, <c>nameoff</c>, <c>file_type</c>) whose
/// first <c>nameoff</c> also says how many there are, followed by the names, each ending where the next begins (the
/// last at the block's end or its first NUL).
/// </summary>
internal static class ErofsDirectoryBlock
{
    /// <summary>Appends the block's names (without <c>.</c> and <c>..</c>) to <paramref name="records"/>.</summary>
    /// <param name="block">The block (the directory's last one may be shorter than the block size).</param>
    /// <param name="directoryNid">The directory, for errors.</param>
    /// <param name="blockOffset">The block's offset in the directory, for errors.</param>
    /// <param name="records">Where the names go.</param>
    public static void Parse(ReadOnlySpan<byte> block, ulong directoryNid, long blockOffset, List<DirectoryRecord> records)
    {
        if (block.Length < ErofsFormat.DirentSize)
        {
            throw Invalid(directoryNid, blockOffset, $"is {block.Length} bytes, too short for one dirent");
        }
        int firstNameOffset = BinaryPrimitives.ReadUInt16LittleEndian(block[8..]);
        if (firstNameOffset < ErofsFormat.DirentSize || firstNameOffset >= block.Length || firstNameOffset % ErofsFormat.DirentSize != 0)
        {
            throw Invalid(directoryNid, blockOffset, $"has the first name offset {firstNameOffset}, which does not end a dirent array inside the block");
        }
        int count = firstNameOffset / ErofsFormat.DirentSize;
        for (int index = 0; index < count; index++)
        {
            ReadOnlySpan<byte> dirent = block.Slice(index * ErofsFormat.DirentSize, ErofsFormat.DirentSize);
            ulong nid = BinaryPrimitives.ReadUInt64LittleEndian(dirent);
            int nameOffset = BinaryPrimitives.ReadUInt16LittleEndian(dirent[8..]);
            int nameEnd = index + 1 < count
                ? BinaryPrimitives.ReadUInt16LittleEndian(block[(((index + 1) * ErofsFormat.DirentSize) + 8)..])
                : block.Length;
            if (nameOffset < firstNameOffset || nameEnd > block.Length || nameEnd <= nameOffset)
            {
                throw Invalid(directoryNid, blockOffset, $"dirent {index} has the name bytes {nameOffset}..{nameEnd}, outside the block's name area");
            }
            ReadOnlySpan<byte> name = block[nameOffset..nameEnd];
            if (index + 1 == count)
            {
                int nul = name.IndexOf((byte)0);
                name = nul < 0 ? name : name[..nul];
            }
            if (name.Length is 0 or > ErofsFormat.MaxNameLength || name.Contains((byte)'/'))
            {
                throw Invalid(directoryNid, blockOffset, $"dirent {index} has a name of {name.Length} bytes that is empty, too long or holds '/'");
            }
            if (name.SequenceEqual("."u8) || name.SequenceEqual(".."u8))
            {
                continue;
            }
            records.Add(new DirectoryRecord(Encoding.UTF8.GetString(name), nid));
        }
    }

    private static InvalidDataException Invalid(ulong nid, long blockOffset, string what) =>
        new($"EROFS directory nid {nid}, block at offset {blockOffset}: {what}.");
}
