using System.Collections.Concurrent;
using SparseVirt.BlockSources;
using SparseVirt.FileSystems.Drivers;

namespace SparseVirt.FileSystems.Ext4;

/// <summary>
/// Reads ext4 (and ext2/ext3) from a block source: the superblock and group descriptors (32- and 64-bit, meta_bg),
/// inodes, extent trees and indirect block maps, linear directories, symbolic links, inline data and extended
/// attributes, with <c>metadata_csum</c> checksums verified. Nothing is cached but group descriptors and, per node,
/// its decoded block map. Split by concern: <c>.Mapping.cs</c> (block maps), <c>.Files.cs</c> (file bytes and
/// links), <c>.Directories.cs</c>, <c>.Attributes.cs</c>.
/// </summary>
internal sealed partial class Ext4Driver : FileSystemDriver
{
    private const uint RootInodeNumber = 2;
    private readonly IBlockSource _source;
    private readonly Ext4Superblock _superblock;
    private readonly uint _checksumSeed;
    private readonly ConcurrentDictionary<uint, Ext4GroupDescriptor> _groups = new();
    private readonly List<string> _warnings = [];

    private Ext4Driver(IBlockSource source, Ext4Superblock superblock)
    {
        _source = source;
        _superblock = superblock;
        _checksumSeed = superblock.HasMetadataChecksums ? Ext4Checksum.FileSystemSeed(superblock) : 0;
        if (superblock.NeedsRecovery)
        {
            _warnings.Add("the journal holds transactions that were never replayed (the file system was not cleanly unmounted); it is read as it stands on disk, without them");
        }
        if ((superblock.State & 0x2) != 0)
        {
            _warnings.Add("the superblock records errors (s_state has EXT4_ERROR_FS); run e2fsck on a copy for an authoritative view");
        }
    }

    public override FileSystemKind Kind => FileSystemKind.Ext4;

    public override ulong RootInode => RootInodeNumber;

    public override int BlockSize => _superblock.BlockSize;

    public override string Label => _superblock.Label;

    public override IReadOnlyList<string> Warnings => _warnings;

    /// <summary>
    /// Opens <paramref name="source"/> as ext4 when its superblock carries the magic; null when it does not.
    /// </summary>
    /// <exception cref="InvalidDataException">The superblock has the magic but is malformed or fails its checksum.</exception>
    /// <exception cref="NotSupportedException">The file system uses an incompatible feature this reader does not know.</exception>
    public static async ValueTask<Ext4Driver?> TryOpenAsync(IBlockSource source, bool async, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(source);
        if (source.Length < Ext4Superblock.Offset + Ext4Superblock.Size)
        {
            return null;
        }
        byte[] raw = new byte[Ext4Superblock.Size];
        await SourceReads.ReadAsync(source, Ext4Superblock.Offset, raw, "ext4 superblock", async, cancellationToken).ConfigureAwait(false);
        if (!Ext4Superblock.HasMagic(raw))
        {
            return null;
        }
        Ext4Superblock superblock = Ext4Superblock.Parse(raw, source.Length);
        if (superblock.HasMetadataChecksums)
        {
            Ext4Checksum.VerifySuperblock(raw, superblock);
        }
        return new Ext4Driver(source, superblock);
    }

    public override async ValueTask<FileSystemNode> ReadNodeAsync(ulong inode, bool async, CancellationToken cancellationToken)
    {
        Ext4Inode raw = await ReadInodeAsync(inode, async, cancellationToken).ConfigureAwait(false);
        FileSystemEntryKind kind = KindOf(raw);
        DateTimeOffset modified = DateTimeOffset.FromUnixTimeSeconds(raw.ModifiedSeconds).AddTicks(raw.ModifiedNanoseconds / 100);
        return new FileSystemNode(
            raw.Number, kind, raw.Size, (UnixFileMode)(raw.Mode & 0xFFF), raw.UserId, raw.GroupId, modified, raw.LinkCount,
            kind is FileSystemEntryKind.CharacterDevice or FileSystemEntryKind.BlockDevice ? raw.DeviceNumber() : 0,
            new Ext4NodeState(raw));
    }

    private async ValueTask<Ext4Inode> ReadInodeAsync(ulong inode, bool async, CancellationToken cancellationToken)
    {
        if (inode == 0 || inode > _superblock.InodesCount)
        {
            throw new InvalidDataException($"ext4 inode {inode}: out of range (the file system has {_superblock.InodesCount} inodes).");
        }
        uint number = (uint)inode;
        uint group = (number - 1) / _superblock.InodesPerGroup;
        Ext4GroupDescriptor descriptor = await GetGroupAsync(group, async, cancellationToken).ConfigureAwait(false);
        long offset = ((long)descriptor.InodeTable * _superblock.BlockSize) + ((long)((number - 1) % _superblock.InodesPerGroup) * _superblock.InodeSize);
        byte[] raw = new byte[_superblock.InodeSize];
        await SourceReads.ReadAsync(_source, offset, raw, $"ext4 inode {number}", async, cancellationToken).ConfigureAwait(false);
        Ext4Inode parsed = Ext4Inode.Parse(raw, number, _superblock.HasMetadataChecksums, _checksumSeed);
        if (parsed.Mode == 0 && parsed.LinkCount == 0)
        {
            throw new InvalidDataException($"ext4 inode {number}: not in use (mode 0, no links), yet a directory names it.");
        }
        return parsed;
    }

    private async ValueTask<Ext4GroupDescriptor> GetGroupAsync(uint group, bool async, CancellationToken cancellationToken)
    {
        if (_groups.TryGetValue(group, out Ext4GroupDescriptor known))
        {
            return known;
        }
        if (group >= _superblock.GroupCount)
        {
            throw new InvalidDataException($"ext4 group descriptor {group}: beyond the {_superblock.GroupCount} groups.");
        }
        byte[] raw = new byte[_superblock.DescriptorSize];
        await SourceReads.ReadAsync(_source, GroupDescriptorOffset(group), raw, $"ext4 group descriptor {group}", async, cancellationToken).ConfigureAwait(false);
        Ext4GroupDescriptor descriptor = Ext4GroupDescriptor.Parse(raw, group, _superblock, _checksumSeed);
        _groups[group] = descriptor;
        return descriptor;
    }

    // The descriptor table follows the superblock's block; with meta_bg, the descriptors of each meta group (one
    // block of them) sit in the first block of the meta group's first group, after its superblock backup if it has one.
    private long GroupDescriptorOffset(uint group)
    {
        uint perBlock = (uint)(_superblock.BlockSize / _superblock.DescriptorSize);
        uint tableBlock = group / perBlock;
        ulong block;
        if ((_superblock.FeatureIncompat & Ext4Superblock.IncompatMetaGroups) != 0 && tableBlock >= _superblock.FirstMetaGroup)
        {
            ulong firstGroup = (ulong)tableBlock * perBlock;
            block = _superblock.FirstDataBlock + (firstGroup * _superblock.BlocksPerGroup) + (HasSuperblockBackup(firstGroup) ? 1UL : 0);
        }
        else
        {
            block = (ulong)_superblock.FirstDataBlock + 1 + tableBlock;
        }
        return ((long)block * _superblock.BlockSize) + ((group % perBlock) * _superblock.DescriptorSize);
    }

    private bool HasSuperblockBackup(ulong group)
    {
        if (group <= 1 || (_superblock.FeatureRoCompat & Ext4Superblock.RoCompatSparseSuper) == 0)
        {
            return true;
        }
        return IsPowerOf(group, 3) || IsPowerOf(group, 5) || IsPowerOf(group, 7);
    }

    private static bool IsPowerOf(ulong value, ulong root)
    {
        while (value % root == 0)
        {
            value /= root;
        }
        return value == 1;
    }

    private static FileSystemEntryKind KindOf(Ext4Inode inode) => inode.FileType switch
    {
        0x8000 => FileSystemEntryKind.File,
        0x4000 => FileSystemEntryKind.Directory,
        0xA000 => FileSystemEntryKind.SymbolicLink,
        0x2000 => FileSystemEntryKind.CharacterDevice,
        0x6000 => FileSystemEntryKind.BlockDevice,
        0x1000 => FileSystemEntryKind.Fifo,
        0xC000 => FileSystemEntryKind.Socket,
        _ => throw new InvalidDataException($"ext4 inode {inode.Number}: mode 0x{inode.Mode:X4} has no known file type."),
    };

    private static Ext4NodeState StateOf(FileSystemNode node) =>
        node.DriverState as Ext4NodeState ?? throw new ArgumentException("The node was not read by this ext4 driver.", nameof(node));
}

/// <summary>An ext4 node's decoded inode, with its block map once a read has needed it.</summary>
internal sealed class Ext4NodeState(Ext4Inode inode)
{
    public Ext4Inode Inode { get; } = inode;

    /// <summary>The data block runs (set once, by the first read that needs them; a race computes the same value twice).</summary>
    public Ext4BlockRun[]? Map { get; set; }

    /// <summary>The inline data (<c>i_block</c> then <c>system.data</c>), once read.</summary>
    public byte[]? InlineData { get; set; }
}

/// <summary>A run of a file's blocks: <paramref name="Count"/> logical blocks from <paramref name="Logical"/> at physical <paramref name="Physical"/>.</summary>
internal readonly record struct Ext4BlockRun(long Logical, ulong Physical, long Count, bool Unwritten)
{
    public long End => Logical + Count;
}
