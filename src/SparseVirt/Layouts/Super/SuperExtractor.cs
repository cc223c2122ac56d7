namespace SparseVirt.Layouts.Super;

/// <summary>
/// Extracts logical partitions from a super image into raw files, as AOSP's <c>lpunpack</c> does (one
/// <c>NAME.img</c> per partition, zero blocks left as holes), but reading straight from the image's block source:
/// from a sparse super image nothing is expanded and no temporary file is written.
/// </summary>
public static class SuperExtractor
{
    /// <summary>Writes <c>NAME.img</c> into <paramref name="outputDirectory"/> for each partition named (all when none are).</summary>
    /// <param name="image">The super image (not a super_empty image).</param>
    /// <param name="outputDirectory">The folder to write into (created if missing).</param>
    /// <param name="partitionNames">The partitions to extract; null or empty extracts every partition of the slot.</param>
    /// <param name="progress">Receives the bytes done so far, summed over the partitions.</param>
    /// <param name="cancellationToken">Stops the extraction (the partition being written is removed).</param>
    /// <returns>The files written, in partition-table order.</returns>
    /// <exception cref="KeyNotFoundException">A named partition does not exist (checked before anything is written).</exception>
    public static async Task<IReadOnlyList<SuperExtractedPartition>> ExtractAsync(
        SuperImage image,
        string outputDirectory,
        IReadOnlyCollection<string>? partitionNames = null,
        IProgress<long>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentException.ThrowIfNullOrEmpty(outputDirectory);
        List<LpPartition> chosen = partitionNames is null or { Count: 0 }
            ? [.. image.Metadata.Partitions]
            : [.. image.Metadata.Partitions.Where(p => partitionNames.Contains(p.Name))];
        foreach (string name in partitionNames ?? [])
        {
            image.GetPartition(name);
        }
        var sources = chosen.Select(image.OpenPartition).ToList();
        Directory.CreateDirectory(outputDirectory);
        var results = new List<SuperExtractedPartition>();
        long done = 0;
        for (int i = 0; i < chosen.Count; i++)
        {
            string path = Path.Combine(outputDirectory, chosen[i].Name + ".img");
            long before = done;
            IProgress<long>? partial = progress is null ? null : new Progress(progress, before);
            await BlockSourceFile.WriteAsync(sources[i], path, partial, cancellationToken).ConfigureAwait(false);
            done += sources[i].Length;
            LayoutsLog.ExtractedPartition(image.Logger, chosen[i].Name, sources[i].Length, path);
            results.Add(new SuperExtractedPartition(chosen[i].Name, path, sources[i].Length));
        }
        return results;
    }

    /// <summary>Offsets one partition's progress by the bytes of those before it (reported synchronously).</summary>
    private sealed class Progress(IProgress<long> inner, long before) : IProgress<long>
    {
        public void Report(long value) => inner.Report(before + value);
    }
}

/// <summary>One partition written by <see cref="SuperExtractor"/>.</summary>
/// <param name="Name">The partition's name.</param>
/// <param name="Path">The raw file written.</param>
/// <param name="Length">Its length in bytes (the partition's size).</param>
public sealed record SuperExtractedPartition(string Name, string Path, long Length);
