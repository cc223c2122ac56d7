using SparseVirt.BlockSources;
using SparseVirt.Cli.Infrastructure;
using SparseVirt.Cli.Layouts;
using SparseVirt.FileSystems;
using SparseVirt.Layouts.Gpt;
using SparseVirt.Layouts.Super;
using Microsoft.Extensions.Logging;

namespace SparseVirt.Cli.FileSystems;

/// <summary>
/// The <c>SOURCE[:PARTITION]:/path</c> argument of <c>ls</c>, <c>cat</c>, <c>stat</c> and <c>extract</c>, opened:
/// SOURCE is a raw or sparse image, or the first piece <c>NAME.0</c> of pieces <c>NAME.0</c>, <c>NAME.1</c> ...;
/// PARTITION is a logical partition of a super image or a GPT partition's label. The path inside starts at a
/// <c>:/</c>; where several <c>:/</c> could end the source, the first whose prefix names an existing file (or an
/// existing file and a partition) wins, so a host name holding <c>:</c> is taken whole when it exists.
/// </summary>
internal sealed class FileSystemArgument : IDisposable
{
    private readonly ImageInputs _inputs = new();

    private FileSystemArgument(string source, string? partition, string path)
    {
        Source = source;
        Partition = partition;
        Path = path;
    }

    /// <summary>The host file (the first piece for split pieces).</summary>
    public string Source { get; }

    /// <summary>The partition inside it, or null for the whole source.</summary>
    public string? Partition { get; }

    /// <summary>The absolute path inside the file system.</summary>
    public string Path { get; }

    /// <summary>Splits <paramref name="argument"/>; a usage error when no <c>:/</c> ends an existing source.</summary>
    public static FileSystemArgument Parse(string argument)
    {
        for (int colon = argument.IndexOf(":/", StringComparison.Ordinal); colon > 0; colon = argument.IndexOf(":/", colon + 1, StringComparison.Ordinal))
        {
            string prefix = argument[..colon];
            string path = argument[(colon + 1)..];
            if (File.Exists(prefix))
            {
                return new FileSystemArgument(prefix, null, path);
            }
            int partition = prefix.LastIndexOf(':');
            if (partition > 0 && partition < prefix.Length - 1 && File.Exists(prefix[..partition]))
            {
                return new FileSystemArgument(prefix[..partition], prefix[(partition + 1)..], path);
            }
        }
        throw new UsageException(
            $"'{argument}' is not SOURCE[:PARTITION]:/PATH with an existing SOURCE file (the path inside the image starts with '/', after a ':').");
    }

    /// <summary>Opens the source, the partition and the file system on it.</summary>
    public async Task<FileSystemImage> OpenAsync(ILogger logger, CancellationToken cancellationToken)
    {
        IReadOnlyList<string> pieces = Pieces(Source);
        IBlockSource source = _inputs.Open(pieces);
        if (Partition is not null)
        {
            source = OpenPartition(pieces, source, Partition);
        }
        try
        {
            return await FileSystemImage.OpenAsync(source, logger, cancellationToken).ConfigureAwait(false);
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"{Describe()}: {e.Message}", e);
        }
    }

    /// <summary>The source as the user named it, for messages.</summary>
    public string Describe() => Partition is null ? Source : $"{Source}:{Partition}";

    public void Dispose() => _inputs.Dispose();

    // NAME.0 with a NAME.1 beside it: the pieces split writes, in order, up to the first missing number.
    private static List<string> Pieces(string first)
    {
        var pieces = new List<string> { first };
        if (!first.EndsWith(".0", StringComparison.Ordinal))
        {
            return pieces;
        }
        string stem = first[..^1];
        for (int i = 1; File.Exists(stem + i); i++)
        {
            pieces.Add(stem + i);
        }
        return pieces;
    }

    private IBlockSource OpenPartition(IReadOnlyList<string> pieces, IBlockSource source, string name)
    {
        string? superError;
        try
        {
            SuperImage super = _inputs.OpenSuper(pieces, 0, SuperImageOptions.Default);
            return super.OpenPartition(name);
        }
        catch (InvalidDataException e)
        {
            superError = e.Message;
        }
        GptDisk disk;
        try
        {
            disk = GptDisk.Open(source);
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"{Source} is neither a super image ({superError}) nor a GPT disk ({e.Message}), so it has no partition '{name}'.", e);
        }
        GptPartitionEntry entry = disk.Table.Partitions.FirstOrDefault(p => p.Name == name)
            ?? throw new UsageException($"{Source}: the GPT disk has no partition labelled '{name}' (it has {string.Join(", ", disk.Table.Partitions.Select(p => p.Name))}).");
        return disk.OpenPartition(entry);
    }
}
