using Microsoft.Extensions.Logging;
using SparseVirt.BlockSources;
using SparseVirt.Layouts;
using SparseVirt.Sparse;

namespace SparseVirt.Cli.Layouts;

/// <summary>Writes a layout's block source as a raw file (holes kept) or, for <c>--sparse</c>, as a sparse image through the Sparse area's writer.</summary>
internal static class SparseOutput
{
    public static async Task WriteAsync(IBlockSource source, string path, bool sparse, int blockSize, IProgress<long>? progress, ILogger logger, CancellationToken cancellationToken)
    {
        if (!sparse)
        {
            await BlockSourceFile.WriteAsync(source, path, progress, cancellationToken).ConfigureAwait(false);
            return;
        }
        SparseWriterOptions options = SparseWriterOptions.Default.WithBlockSize(blockSize).WithLogger(logger);
        await using var stream = new BlockSourceStream(source);
        await SparseConverter.ConvertAsync(stream, path, options, progress, cancellationToken).ConfigureAwait(false);
    }
}
