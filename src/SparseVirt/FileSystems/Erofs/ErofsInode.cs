using System.Buffers.Binary;
using SparseVirt.FileSystems.Drivers;

namespace SparseVirt.FileSystems.Erofs;

/// <summary>
/// An EROFS inode's own decoded state (<see cref="FileSystemNode.DriverState"/>): where it is, its layout and the
/// raw <c>i_u</c> field (a block address, compressed block count, chunk format or device number by layout and kind).
/// </summary>
internal sealed record ErofsInode(ulong Nid, long Position, int InodeSize, int XattrSize, ErofsDataLayout Layout, uint RawUnion, long Size)
{
    /// <summary>The first byte after the inode and its inline xattrs: inline data, or the compression or chunk index.</summary>
    public long TrailerPosition => Position + InodeSize + XattrSize;

    /// <summary>
    /// Decodes a compact (32-byte) or extended (64-byte) inode from <paramref name="bytes"/> (at least 32 bytes, 64
    /// for an extended one; fewer only at the end of the image).
    /// </summary>
    /// <exception cref="InvalidDataException">The inode is truncated or malformed.</exception>
    /// <exception cref="NotSupportedException">The inode uses format bits from after erofs-utils 1.5.</exception>
    public static FileSystemNode Parse(ulong nid, long position, ReadOnlySpan<byte> bytes, ErofsSuperblock superblock)
    {
        if (bytes.Length < ErofsFormat.CompactInodeSize)
        {
            throw Invalid(nid, position, "is cut off by the end of the image");
        }
        ushort format = BinaryPrimitives.ReadUInt16LittleEndian(bytes);
        if ((format & ~ErofsFormat.InodeFormatKnownBits) != 0)
        {
            throw new NotSupportedException($"EROFS inode nid {nid} at byte {position}: i_format 0x{format:X4} has bits this reader (erofs-utils 1.5's format) does not know.");
        }
        bool extended = (format & 1) != 0;
        var layout = (ErofsDataLayout)((format >> 1) & 7);
        if (layout > ErofsDataLayout.ChunkBased)
        {
            throw Invalid(nid, position, $"has the reserved data layout {(int)layout}");
        }
        int inodeSize = extended ? ErofsFormat.ExtendedInodeSize : ErofsFormat.CompactInodeSize;
        if (bytes.Length < inodeSize)
        {
            throw Invalid(nid, position, "(extended, 64 bytes) is cut off by the end of the image");
        }
        ushort xattrCount = BinaryPrimitives.ReadUInt16LittleEndian(bytes[2..]);
        int xattrSize = xattrCount == 0 ? 0 : ErofsFormat.XattrIbodyHeaderSize + ((xattrCount - 1) * 4);
        ushort mode = BinaryPrimitives.ReadUInt16LittleEndian(bytes[4..]);
        uint rawUnion = BinaryPrimitives.ReadUInt32LittleEndian(bytes[16..]);
        FileSystemEntryKind kind = KindOf(mode) ?? throw Invalid(nid, position, $"has the unknown file type in mode 0{Convert.ToString(mode, 8)}");
        ulong size;
        uint uid, gid, links;
        DateTimeOffset mtime;
        if (extended)
        {
            size = BinaryPrimitives.ReadUInt64LittleEndian(bytes[8..]);
            uid = BinaryPrimitives.ReadUInt32LittleEndian(bytes[24..]);
            gid = BinaryPrimitives.ReadUInt32LittleEndian(bytes[28..]);
            mtime = TimeOf(nid, position, BinaryPrimitives.ReadUInt64LittleEndian(bytes[32..]), BinaryPrimitives.ReadUInt32LittleEndian(bytes[40..]));
            links = BinaryPrimitives.ReadUInt32LittleEndian(bytes[44..]);
        }
        else
        {
            size = BinaryPrimitives.ReadUInt32LittleEndian(bytes[8..]);
            uid = BinaryPrimitives.ReadUInt16LittleEndian(bytes[24..]);
            gid = BinaryPrimitives.ReadUInt16LittleEndian(bytes[26..]);
            // A compact inode has no time of its own: it shares the image's build time.
            mtime = TimeOf(nid, position, superblock.BuildTime, superblock.BuildTimeNanoseconds);
            links = BinaryPrimitives.ReadUInt16LittleEndian(bytes[6..]);
        }
        if (size > long.MaxValue)
        {
            throw Invalid(nid, position, $"has the size {size}, beyond what a file can hold");
        }
        ulong device = kind is FileSystemEntryKind.CharacterDevice or FileSystemEntryKind.BlockDevice ? DeviceNumber(rawUnion) : 0;
        var state = new ErofsInode(nid, position, inodeSize, xattrSize, layout, rawUnion, (long)size);
        return new FileSystemNode(nid, kind, (long)size, (UnixFileMode)(mode & 0xFFF), uid, gid, mtime, links, device, state);
    }

    /// <summary>The inode's EROFS state, or an error if <paramref name="node"/> came from another driver.</summary>
    public static ErofsInode Of(FileSystemNode node) =>
        node.DriverState as ErofsInode ?? throw new ArgumentException("The node was not read by the EROFS driver.", nameof(node));

    public static InvalidDataException Invalid(ulong nid, long position, string what) =>
        new($"EROFS inode nid {nid} at byte {position} {what}.");

    private static FileSystemEntryKind? KindOf(ushort mode) => (mode & 0xF000) switch
    {
        0x8000 => FileSystemEntryKind.File,
        0x4000 => FileSystemEntryKind.Directory,
        0xA000 => FileSystemEntryKind.SymbolicLink,
        0x2000 => FileSystemEntryKind.CharacterDevice,
        0x6000 => FileSystemEntryKind.BlockDevice,
        0x1000 => FileSystemEntryKind.Fifo,
        0xC000 => FileSystemEntryKind.Socket,
        _ => null,
    };

    private static DateTimeOffset TimeOf(ulong nid, long position, ulong seconds, uint nanoseconds)
    {
        const long MaxSeconds = 253402300799; // 9999-12-31T23:59:59Z, the last second DateTimeOffset holds
        if (seconds > MaxSeconds)
        {
            throw Invalid(nid, position, $"has the modification time {seconds} s, beyond the year 9999");
        }
        return DateTimeOffset.FromUnixTimeSeconds((long)seconds).AddTicks(nanoseconds / 100);
    }

    /// <summary>
    /// The kernel's <c>new_decode_dev</c> of <c>i_u.rdev</c>, re-encoded as glibc's <c>makedev</c> (the <c>st_rdev</c>
    /// user space sees).
    /// </summary>
    private static ulong DeviceNumber(uint raw)
    {
        ulong major = (raw & 0xFFF00) >> 8;
        ulong minor = (raw & 0xFF) | ((raw >> 12) & 0xFFF00);
        return ((major & 0xFFFFF000) << 32) | ((major & 0xFFF) << 8) | ((minor & 0xFFFFFF00) << 12) | (minor & 0xFF);
    }
}
