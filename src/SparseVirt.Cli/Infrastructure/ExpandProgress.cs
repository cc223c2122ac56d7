using SparseVirt.Sparse.Decoding;

namespace SparseVirt.Cli.Infrastructure;

/// <summary>Feeds the library's expansion progress to a progress bar counting bytes.</summary>
internal sealed class ExpandProgress(IProgress<long> bytes) : IProgress<SparseExpandProgress>
{
    public void Report(SparseExpandProgress value) => bytes.Report(value.BytesExpanded);
}
