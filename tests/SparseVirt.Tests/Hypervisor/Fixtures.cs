using SparseVirt.Hypervisor;

namespace SparseVirt.Tests.Hypervisor;

/// <summary>The recorded and hand-made fact sets in Hypervisor/Fixtures, copied next to the test assembly.</summary>
internal static class Fixtures
{
    public static string Folder => Path.Combine(AppContext.BaseDirectory, "Hypervisor", "Fixtures");

    public static IEnumerable<string> Names =>
        Directory.EnumerateFiles(Folder, "*.json").Select(path => Path.GetFileNameWithoutExtension(path)!).Order(StringComparer.Ordinal);

    public static string Json(string name) => File.ReadAllText(Path.Combine(Folder, name + ".json"));

    public static HostFacts Load(string name) => HostFacts.FromJson(Json(name));

    /// <summary>The repository root, found by walking up from the test assembly to the solution file.</summary>
    public static string RepositoryRoot
    {
        get
        {
            for (DirectoryInfo? folder = new(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
            {
                if (File.Exists(Path.Combine(folder.FullName, "SparseVirt.sln")))
                {
                    return folder.FullName;
                }
            }
            throw new InvalidOperationException($"SparseVirt.sln not found above {AppContext.BaseDirectory}");
        }
    }
}
