using SparseVirt.Tests.Infrastructure;

namespace SparseVirt.Tests.FileSystems.Erofs;

/// <summary>The EROFS test fixtures that make images of <see cref="ErofsSourceTree"/>: the tree is written once per fixture.</summary>
public abstract class ErofsTreeFixture
{
    private TempDirectory? temp;

    private protected TempDirectory Temp => temp ?? throw new InvalidOperationException("the fixture is not set up");

    private protected string Tree { get; private set; } = null!;

    private protected IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>> Xattrs { get; private set; } = null!;

    [OneTimeSetUp]
    public void WriteTree()
    {
        ExternalTool.Require("mkfs.erofs", "erofs-utils");
        temp = new TempDirectory();
        Tree = temp.Combine("tree");
        Xattrs = ErofsSourceTree.Write(Tree);
    }

    [OneTimeTearDown]
    public void RemoveTree() => temp?.Dispose();
}
