using System.IO.Compression;
using System.Xml.Linq;
using SparseVirt.Tests.Infrastructure;

namespace SparseVirt.Tests.Packaging;

/// <summary>
/// The packages as CI packs them: the library (with its symbol package) and every tool package (top-level,
/// linux-x64, linux-arm64, any). <c>.ci/run</c> packs them once and names the folder in
/// <c>SPARSEVIRT_PACKAGES_DIR</c>; elsewhere the first test that asks packs them here (three NativeAOT builds,
/// minutes), with <c>ContinuousIntegrationBuild=true</c> as CI does.
/// </summary>
internal static class PackedPackages
{
    private static readonly Lazy<string> s_folder = new(PackOrFind);
    private static string? s_packFailure;

    public static string Version { get; } = XDocument.Load(Path.Combine(RepositoryPaths.Root, "Directory.Build.props")).Descendants("Version").First().Value;

    /// <summary>The folder holding the packed packages; fails (or skips, outside CI) when they cannot be packed.</summary>
    public static string Folder
    {
        get
        {
            string folder = s_folder.Value;
            if (s_packFailure is not null)
            {
                if (ExternalTool.InteropRequired)
                {
                    Assert.Fail(s_packFailure);
                }
                Assert.Ignore(s_packFailure);
            }
            return folder;
        }
    }

    public static string ToolPackage(string? rid) => Path.Combine(Folder, rid is null ? $"SparseVirt.Tool.{Version}.nupkg" : $"SparseVirt.Tool.{rid}.{Version}.nupkg");

    public static string LibraryPackage => Path.Combine(Folder, $"SparseVirt.{Version}.nupkg");

    public static string SymbolPackage => Path.Combine(Folder, $"SparseVirt.{Version}.snupkg");

    public static IEnumerable<string> AllPackages => Directory.EnumerateFiles(Folder, "*.nupkg").Concat(Directory.EnumerateFiles(Folder, "*.snupkg")).Order(StringComparer.Ordinal);

    public static string Nuspec(string package)
    {
        using ZipArchive zip = ZipFile.OpenRead(package);
        using var reader = new StreamReader(zip.Entries.Single(e => e.FullName.EndsWith(".nuspec", StringComparison.Ordinal)).Open());
        return reader.ReadToEnd();
    }

    public static byte[] Entry(string package, string path)
    {
        using ZipArchive zip = ZipFile.OpenRead(package);
        ZipArchiveEntry entry = zip.GetEntry(path) ?? throw new AssertionException($"{Path.GetFileName(package)} has no {path}; it holds: {string.Join(", ", zip.Entries.Select(e => e.FullName))}");
        using Stream stream = entry.Open();
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }

    /// <summary>Writes a native tool package's executable to <paramref name="folder"/> (executable) and returns its path.</summary>
    public static string ExtractNativeTool(string rid, string folder)
    {
        string path = Path.Combine(folder, "sparsevirt");
        File.WriteAllBytes(path, Entry(ToolPackage(rid), $"tools/any/{rid}/sparsevirt"));
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
        return path;
    }

    private static string PackOrFind()
    {
        string? given = Environment.GetEnvironmentVariable("SPARSEVIRT_PACKAGES_DIR");
        if (!string.IsNullOrEmpty(given))
        {
            return given;
        }
        string dotnet = ExternalTool.Find("dotnet") ?? Path.Combine(Path.GetDirectoryName(Environment.ProcessPath)!, "dotnet");
        string folder = Directory.CreateTempSubdirectory("sparsevirt-packages-").FullName;
        // Built afresh in folders of their own under the checkout (an incremental build from before would keep its
        // absolute paths; under the checkout, deterministic paths map them to /_/).
        string artifacts = Path.Combine(RepositoryPaths.Root, "artifacts", "test-pack");
        string tool = Path.Combine(RepositoryPaths.Root, "src", "SparseVirt.Cli", "SparseVirt.Cli.csproj");
        string library = Path.Combine(RepositoryPaths.Root, "src", "SparseVirt", "SparseVirt.csproj");
        // The same commands as .ci/run's packing step.
        foreach ((string project, string[] rid) in new[] { (library, Array.Empty<string>()), (tool, Array.Empty<string>()), (tool, ["-r", "linux-x64"]), (tool, ["-r", "linux-arm64"]), (tool, ["-r", "any"]) })
        {
            ToolResult pack = ExternalTool.Run(dotnet, ["pack", project, "-c", "Release", "-o", folder, "--nologo", "-p:ContinuousIntegrationBuild=true", "--artifacts-path", artifacts, .. rid], TimeSpan.FromMinutes(15));
            if (pack.ExitCode != 0)
            {
                s_packFailure = $"dotnet pack {Path.GetFileName(project)} {string.Join(' ', rid)} failed (the Linux packages need zig: src/Packaging/install-zig): {pack.Output}{pack.Error}";
                break;
            }
        }
        return folder;
    }
}
