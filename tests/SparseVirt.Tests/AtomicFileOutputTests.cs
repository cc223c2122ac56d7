using SparseVirt.Tests.Infrastructure;

namespace SparseVirt.Tests;

public class AtomicFileOutputTests
{
    [Test]
    public void WithoutCommitTheDestinationKeepsItsContentAndNoTemporaryFileRemains()
    {
        using var folder = new TempDirectory();
        string destination = folder.Combine("out.raw");
        File.WriteAllText(destination, "precious");

        using (AtomicFileOutput output = AtomicFileOutput.Create(destination))
        {
            output.Stream.Write("half-written"u8);
        }

        Assert.Multiple(() =>
        {
            Assert.That(File.ReadAllText(destination), Is.EqualTo("precious"));
            Assert.That(Directory.GetFiles(folder.FullPath), Has.Length.EqualTo(1));
        });
    }

    [Test]
    public void CommitReplacesTheDestination()
    {
        using var folder = new TempDirectory();
        string destination = folder.Combine("out.raw");
        File.WriteAllText(destination, "old");

        using (AtomicFileOutput output = AtomicFileOutput.Create(destination))
        {
            output.Stream.Write("new"u8);
            output.Commit();
        }

        Assert.Multiple(() =>
        {
            Assert.That(File.ReadAllText(destination), Is.EqualTo("new"));
            Assert.That(Directory.GetFiles(folder.FullPath), Has.Length.EqualTo(1));
        });
    }
}
