using SparseVirt.FileSystems.Drivers;
using SparseVirt.FileSystems.Erofs;

namespace SparseVirt.Tests.FileSystems.Erofs;

/// <summary>
/// Test helpers over the driver contract alone (the public <c>FileSystemImage</c> lives above it): every path from
/// the root by walking <c>ReadDirectoryAsync</c>, and whole-file reads in chunks.
/// </summary>
internal static class ErofsWalk
{
    public static async Task<SortedDictionary<string, FileSystemNode>> AllAsync(FileSystemDriver driver, bool async)
    {
        var nodes = new SortedDictionary<string, FileSystemNode>(StringComparer.Ordinal);
        FileSystemNode root = await driver.ReadNodeAsync(driver.RootInode, async, CancellationToken.None);
        nodes["/"] = root;
        var pending = new Stack<(string Path, FileSystemNode Node)>();
        pending.Push(("", root));
        while (pending.Count > 0)
        {
            (string path, FileSystemNode directory) = pending.Pop();
            foreach (DirectoryRecord record in await driver.ReadDirectoryAsync(directory, async, CancellationToken.None))
            {
                FileSystemNode node = await driver.ReadNodeAsync(record.Inode, async, CancellationToken.None);
                string child = path + "/" + record.Name;
                nodes.Add(child, node);
                if (node.Kind == SparseVirt.FileSystems.FileSystemEntryKind.Directory)
                {
                    pending.Push((child, node));
                }
            }
        }
        return nodes;
    }

    public static async Task<byte[]> ReadAllAsync(FileSystemDriver driver, FileSystemNode node, bool async, int chunk = 65536)
    {
        byte[] bytes = new byte[node.Length];
        long offset = 0;
        while (offset < bytes.Length)
        {
            int want = (int)Math.Min(chunk, bytes.Length - offset);
            int read = await driver.ReadFileAsync(node, offset, bytes.AsMemory((int)offset, want), async, CancellationToken.None);
            Assert.That(read, Is.EqualTo(want), $"short read at {offset} of nid {node.Inode}");
            offset += read;
        }
        return bytes;
    }

    public static async Task<ErofsDriver> OpenAsync(SparseVirt.BlockSources.IBlockSource source, bool async = true) =>
        await ErofsDriver.TryOpenAsync(source, async, CancellationToken.None) ?? throw new AssertionException("not recognised as EROFS");
}
