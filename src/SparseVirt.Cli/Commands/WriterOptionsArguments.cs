using SparseVirt.Cli.Infrastructure;
using SparseVirt.Sparse;

namespace SparseVirt.Cli.Commands;

/// <summary>Turns the sparse-writing options of the command line into <see cref="SparseWriterOptions"/>; bad values are usage errors.</summary>
internal static class WriterOptionsArguments
{
    public static SparseWriterOptions Build(int? blockSize, bool zeroFill, bool crc)
    {
        SparseWriterOptions options = SparseWriterOptions.Default
            .WithBlockSize(blockSize ?? SparseWriterOptions.Default.BlockSize)
            .WithZeroFill(zeroFill)
            .WithCrc(crc);
        try
        {
            options.Validate();
        }
        catch (ArgumentOutOfRangeException e)
        {
            throw new UsageException($"--block-size {blockSize}: the block size must be a multiple of 4 and at least {SparseWriterOptions.MinimumBlockSize} (at most {SparseWriterOptions.MaximumBlockSize})" + (e.ParamName == nameof(SparseWriterOptions.BlockSize) ? "" : $": {e.Message}"));
        }
        return options;
    }
}
