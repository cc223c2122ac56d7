namespace SparseVirt.Tests.Infrastructure;

/// <summary>Paths inside the repository checkout the tests run from.</summary>
internal static class RepositoryPaths
{
    private static readonly Lazy<string> s_root = new(() =>
    {
        for (DirectoryInfo? folder = new(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            if (File.Exists(Path.Combine(folder.FullName, "SparseVirt.sln")))
            {
                return folder.FullName;
            }
        }
        throw new InvalidOperationException("The tests must run from inside the SparseVirt checkout (no SparseVirt.sln above " + AppContext.BaseDirectory + ").");
    });

    public static string Root => s_root.Value;

    /// <summary>The small bootable sample sparse image the README uses.</summary>
    public static string HelloSample => Path.Combine(Root, "docs", "samples", "hello.simg");
}
