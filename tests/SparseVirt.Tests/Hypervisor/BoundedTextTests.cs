using SparseVirt.Hypervisor.Collection;
using SparseVirt.Tests.Infrastructure;

namespace SparseVirt.Tests.Hypervisor;

/// <summary>Reading the one-line kernel files (osrelease, module parameters) stays bounded whatever the path holds.</summary>
public sealed class BoundedTextTests
{
    [Test]
    public void ReadLineOrNullGivesTheFirstLineTrimmed()
    {
        using var folder = new TempDirectory();
        string file = folder.Combine("nested");
        File.WriteAllText(file, " Y \r\nsecond\n");
        Assert.That(BoundedText.ReadLineOrNull(file), Is.EqualTo("Y"));
    }

    [Test]
    public void ReadLineOrNullIsNullForAMissingFile()
    {
        using var folder = new TempDirectory();
        Assert.That(BoundedText.ReadLineOrNull(folder.Combine("missing")), Is.Null);
    }

    [Test]
    public void ReadLineOrNullStopsReadingAnEndlessSourceWithoutLineFeeds()
    {
        if (!File.Exists("/dev/zero"))
        {
            Assert.Ignore("Needs /dev/zero.");
        }
        string? line = BoundedText.ReadLineOrNull("/dev/zero");
        Assert.That(line, Is.Not.Null);
        Assert.That(line!.Length, Is.LessThanOrEqualTo(4096));
    }
}
