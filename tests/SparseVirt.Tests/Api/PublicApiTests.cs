using SparseVirt.Sparse;
using SparseVirt.Tests.Infrastructure;

namespace SparseVirt.Tests.Api;

/// <summary>
/// The library's public API is tracked in src/SparseVirt/PublicApi.approved.txt: a change to it must be deliberate.
/// Run the tests with SPARSEVIRT_ACCEPT_API=1 to accept the current surface after reviewing the diff.
/// </summary>
public class PublicApiTests
{
    [Test]
    public void ThePublicApiMatchesTheApprovedFile()
    {
        string approvedPath = Path.Combine(RepositoryPaths.Root, "src", "SparseVirt", "PublicApi.approved.txt");
        string current = PublicApiListing.Describe(typeof(SparseImage).Assembly);
        if (Environment.GetEnvironmentVariable("SPARSEVIRT_ACCEPT_API") == "1")
        {
            File.WriteAllText(approvedPath, current);
        }

        string approved = File.Exists(approvedPath) ? File.ReadAllText(approvedPath) : "";
        string[] added = current.Split('\n').Except(approved.Split('\n')).ToArray();
        string[] removed = approved.Split('\n').Except(current.Split('\n')).ToArray();

        Assert.That(added.Concat(removed.Select(r => "removed: " + r)), Is.Empty,
            "The public API differs from src/SparseVirt/PublicApi.approved.txt. Review the lines above; if the change is intended, rerun with SPARSEVIRT_ACCEPT_API=1.");
    }
}
