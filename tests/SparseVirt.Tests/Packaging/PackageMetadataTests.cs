using System.IO.Compression;
using System.Text;
using System.Text.RegularExpressions;

namespace SparseVirt.Tests.Packaging;

/// <summary>
/// What a package page and a debugger see: the commit, icon, README and release notes in every package, a tool
/// README that stands alone, and no absolute path of the machine that packed them.
/// </summary>
[Category("Packaging")]
public class PackageMetadataTests
{
    [Test]
    public void EveryPackageNamesItsCommitIconReadmeAndReleaseNotes()
    {
        foreach (string package in new[] { PackedPackages.LibraryPackage, PackedPackages.ToolPackage(null), PackedPackages.ToolPackage("linux-x64"), PackedPackages.ToolPackage("any") })
        {
            string nuspec = PackedPackages.Nuspec(package);
            Assert.Multiple(() =>
            {
                Assert.That(nuspec, Does.Match("<repository [^>]*commit=\"[0-9a-f]{40}\""), Path.GetFileName(package));
                Assert.That(nuspec, Does.Contain("<icon>icon.png</icon>").And.Contain("<readme>README.md</readme>"), Path.GetFileName(package));
                Assert.That(nuspec, Does.Contain($"<releaseNotes>## [{PackedPackages.Version}]"), Path.GetFileName(package));
                Assert.That(PackedPackages.Entry(package, "icon.png").AsSpan(0, 8).ToArray(), Is.EqualTo(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G', 13, 10, 26, 10 }));
            });
        }
    }

    [Test]
    public void TheToolReadmeHasNoLinkIntoTheRepositoryAndNoBuildSteps()
    {
        string readme = Encoding.UTF8.GetString(PackedPackages.Entry(PackedPackages.ToolPackage(null), "README.md"));
        Assert.Multiple(() =>
        {
            Assert.That(readme, Does.Contain("dotnet tool install"));
            Assert.That(Regex.Matches(readme, @"\]\((?!https?:)[^)]*\)").Select(m => m.Value), Is.Empty, "relative links are dead on a package page");
            Assert.That(readme, Does.Not.Contain("dotnet run").And.Not.Contain("dotnet pack"));
        });
    }

    [Test]
    public void NoPackageEmbedsTheCheckoutsAbsolutePath()
    {
        byte[] checkout = Encoding.UTF8.GetBytes(Infrastructure.RepositoryPaths.Root + "/");
        byte[] checkoutUtf16 = Encoding.Unicode.GetBytes(Infrastructure.RepositoryPaths.Root + "/");
        var found = new List<string>();
        foreach (string package in PackedPackages.AllPackages)
        {
            using ZipArchive zip = ZipFile.OpenRead(package);
            foreach (ZipArchiveEntry entry in zip.Entries)
            {
                using var content = new MemoryStream();
                using (Stream stream = entry.Open())
                {
                    stream.CopyTo(content);
                }
                if (content.GetBuffer().AsSpan(0, (int)content.Length).IndexOf(checkout) >= 0 || content.GetBuffer().AsSpan(0, (int)content.Length).IndexOf(checkoutUtf16) >= 0)
                {
                    found.Add($"{Path.GetFileName(package)}: {entry.FullName}");
                }
            }
        }
        Assert.That(found, Is.Empty, $"entries naming {Infrastructure.RepositoryPaths.Root} (deterministic paths map it to /_/)");
    }
}
