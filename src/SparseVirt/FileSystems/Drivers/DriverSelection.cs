using System.Buffers.Binary;
using SparseVirt.BlockSources;
using SparseVirt.FileSystems.Erofs;
using SparseVirt.FileSystems.Ext4;

namespace SparseVirt.FileSystems.Drivers;

/// <summary>Recognises a file system by its superblock's magic and opens the driver that reads it.</summary>
internal static class DriverSelection
{
    private const int SuperblockOffset = 1024;
    private const int Ext4MagicOffset = SuperblockOffset + 0x38;
    private const ushort Ext4Magic = 0xEF53;
    private const uint ErofsMagic = 0xE0F5E1E2;

    /// <summary>The driver for <paramref name="source"/>'s file system.</summary>
    /// <exception cref="InvalidDataException">Neither an ext4 nor an EROFS superblock is there.</exception>
    /// <exception cref="NotSupportedException">The file system is recognised but this build cannot read it.</exception>
    public static async ValueTask<FileSystemDriver> OpenAsync(IBlockSource source, bool async, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(source);
        if (source.Length < SuperblockOffset + 1024)
        {
            throw new InvalidDataException($"The image ({source.Length} bytes) is too small to hold an ext4 or EROFS superblock at byte {SuperblockOffset}.");
        }
        byte[] head = new byte[1024];
        await SourceReads.ReadAsync(source, SuperblockOffset, head, "superblock", async, cancellationToken).ConfigureAwait(false);
        if (BinaryPrimitives.ReadUInt16LittleEndian(head.AsSpan(Ext4MagicOffset - SuperblockOffset)) == Ext4Magic)
        {
            return await Ext4Driver.TryOpenAsync(source, async, cancellationToken).ConfigureAwait(false)
                ?? throw new InvalidDataException("ext4 superblock: the magic vanished between two reads of the image.");
        }
        if (BinaryPrimitives.ReadUInt32LittleEndian(head) == ErofsMagic)
        {
            return await OpenErofsAsync(source, async, cancellationToken).ConfigureAwait(false);
        }
        throw new InvalidDataException(
            $"No file system this reader knows: neither the ext4 magic 0xEF53 at byte {Ext4MagicOffset} nor the EROFS magic 0xE0F5E1E2 at byte {SuperblockOffset}.");
    }

    private static async ValueTask<FileSystemDriver> OpenErofsAsync(IBlockSource source, bool async, CancellationToken cancellationToken) =>
        await ErofsDriver.TryOpenAsync(source, async, cancellationToken).ConfigureAwait(false)
            ?? throw new InvalidDataException("EROFS superblock: the magic vanished between two reads of the image.");
}
