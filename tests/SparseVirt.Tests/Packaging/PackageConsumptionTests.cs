using System.Buffers.Binary;
using System.Xml.Linq;
using SparseVirt.Tests.Infrastructure;

namespace SparseVirt.Tests.Packaging;

/// <summary>
/// Packs the library and uses it from a fresh console project outside the solution, referencing the package by
/// version from a local folder: proves the package works for other tools, not only inside this solution.
/// </summary>
[Category("Packaging")]
public class PackageConsumptionTests
{
    private const string ConsumerProgram = """
        using SparseVirt.Hypervisor;
        using SparseVirt.Sparse;

        SparseImage.ToRaw(args[0], args[1]);
        HostVirtualizationReport report = HostVirtualization.Detect();
        Console.WriteLine($"expanded={new FileInfo(args[1]).Length}");
        Console.WriteLine($"kvm-ready={report.IsReady} status={report.Verdict.Status}");
        """;

    [Test]
    public void APackedLibraryExpandsAnImageAndChecksKvmFromAnotherProject()
    {
        string dotnet = ExternalTool.Find("dotnet") ?? Path.Combine(Path.GetDirectoryName(Environment.ProcessPath)!, "dotnet");
        using var work = new TempDirectory();
        string feed = Directory.CreateDirectory(work.Combine("feed")).FullName;
        string version = PackageVersion();

        ToolResult pack = ExternalTool.Run(dotnet, ["pack", Path.Combine(RepositoryPaths.Root, "src", "SparseVirt", "SparseVirt.csproj"), "-c", "Release", "-o", feed, "--nologo"], TimeSpan.FromMinutes(5));
        Assert.That(pack.ExitCode, Is.Zero, "dotnet pack failed: " + pack.Output + pack.Error);
        Assert.That(Path.Combine(feed, $"SparseVirt.{version}.nupkg"), Does.Exist);
        Assert.That(Path.Combine(feed, $"SparseVirt.{version}.snupkg"), Does.Exist);

        string consumer = Directory.CreateDirectory(work.Combine("consumer")).FullName;
        File.WriteAllText(Path.Combine(consumer, "Consumer.csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>net10.0</TargetFramework>
                <Nullable>enable</Nullable>
                <ImplicitUsings>enable</ImplicitUsings>
                <TreatWarningsAsErrors>true</TreatWarningsAsErrors>
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="SparseVirt" Version="{version}" />
              </ItemGroup>
            </Project>
            """);
        File.WriteAllText(Path.Combine(consumer, "Program.cs"), ConsumerProgram);
        // The local folder is added to the machine's own sources; a private package folder keeps stale copies out.
        File.WriteAllText(Path.Combine(consumer, "nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <config><add key="globalPackagesFolder" value="{work.Combine("packages")}" /></config>
              <packageSources><add key="local-feed" value="{feed}" /></packageSources>
            </configuration>
            """);

        string raw = work.Combine("hello.raw");
        ToolResult run = ExternalTool.Run(dotnet, ["run", "--project", consumer, "-c", "Release", "--", RepositoryPaths.HelloSample, raw], TimeSpan.FromMinutes(5));

        Assert.That(run.ExitCode, Is.Zero, "the consumer failed: " + run.Output + run.Error);
        Assert.Multiple(() =>
        {
            Assert.That(run.Output, Does.Contain($"expanded={4 * 1024 * 1024}"));
            Assert.That(run.Output, Does.Match(@"kvm-ready=(True|False) status=\w+"));
            Assert.That(File.ReadAllBytes(raw).AsSpan(510, 2).ToArray(), Is.EqualTo(new byte[] { 0x55, 0xAA }), "the boot sector's signature");
        });
    }

    [Test]
    public void TheInstalledToolIsANativeExecutableThatExpandsAnImage()
    {
        string dotnet = ExternalTool.Find("dotnet") ?? Path.Combine(Path.GetDirectoryName(Environment.ProcessPath)!, "dotnet");
        if (System.Runtime.InteropServices.RuntimeInformation.RuntimeIdentifier is not ("linux-x64" or "linux-arm64"))
        {
            Assert.Ignore("The native tool packages are built for linux-x64 and linux-arm64 only (NativeAOT does not cross-compile between systems).");
        }
        using var work = new TempDirectory();
        // The packages as CI packs them (the top-level package names one package per RID).
        string feed = PackedPackages.Folder;
        // A private package folder: an earlier run's copy of the same version must not stand in for this build.
        var isolated = new Dictionary<string, string> { ["NUGET_PACKAGES"] = work.Combine("packages") };

        ToolResult install = ExternalTool.Run(dotnet, ["tool", "install", "--tool-path", work.Combine("tools"), "SparseVirt.Tool", "--version", PackageVersion(), "--add-source", feed], TimeSpan.FromMinutes(5), isolated);
        Assert.That(install.ExitCode, Is.Zero, "dotnet tool install failed: " + install.Output + install.Error);

        string installed = new FileInfo(Path.Combine(work.FullPath, "tools", "sparsevirt")).ResolveLinkTarget(returnFinalTarget: true)?.FullName
            ?? Path.Combine(work.FullPath, "tools", "sparsevirt");
        byte[] executable = File.ReadAllBytes(installed);
        string raw = work.Combine("hello.raw");
        ToolResult run = ExternalTool.Run(installed, ["unsparse", RepositoryPaths.HelloSample, raw], TimeSpan.FromMinutes(1));

        Assert.Multiple(() =>
        {
            Assert.That(executable.AsSpan(0, 4).ToArray(), Is.EqualTo("\u007fELF"u8.ToArray()), "an ELF executable");
            // An apphost finds and loads the runtime (libhostfxr) and the tool's dll; a NativeAOT executable is the program.
            Assert.That(executable.AsSpan().IndexOf("libhostfxr"u8), Is.EqualTo(-1), "the installed sparsevirt is an apphost that loads the runtime");
            Assert.That(Path.Combine(Path.GetDirectoryName(installed)!, "sparsevirt.dll"), Does.Not.Exist);
            // The start-up settings reached the package: a fixed-address executable (e_type ET_EXEC, not a PIE's
            // ET_DYN) whose runtime data is stored as used, with no section to expand it into at start.
            Assert.That(BinaryPrimitives.ReadUInt16LittleEndian(executable.AsSpan(16, 2)), Is.EqualTo(2), "ELF type: ET_EXEC");
            Assert.That(executable.AsSpan().IndexOf(".hydrated"u8), Is.EqualTo(-1), "runtime data dehydrated (expanded at every start)");
            Assert.That(run.ExitCode, Is.Zero, run.Error);
            Assert.That(new FileInfo(raw).Length, Is.EqualTo(4 * 1024 * 1024));
            Assert.That(File.ReadAllBytes(raw).AsSpan(510, 2).ToArray(), Is.EqualTo(new byte[] { 0x55, 0xAA }));
        });

        // Every other platform gets the framework-dependent package: it must be listed, and it must run under dotnet.
        string fallback = work.Combine("any");
        System.IO.Compression.ZipFile.ExtractToDirectory(Path.Combine(feed, $"SparseVirt.Tool.any.{PackageVersion()}.nupkg"), fallback);
        string settings;
        using (System.IO.Compression.ZipArchive topLevel = System.IO.Compression.ZipFile.OpenRead(Path.Combine(feed, $"SparseVirt.Tool.{PackageVersion()}.nupkg")))
        using (var reader = new StreamReader(topLevel.Entries.Single(e => e.Name == "DotnetToolSettings.xml").Open()))
        {
            settings = reader.ReadToEnd();
        }
        ToolResult version = ExternalTool.Run(dotnet, [Path.Combine(fallback, "tools", "net10.0", "any", "sparsevirt.dll"), "--version"], TimeSpan.FromMinutes(1));
        Assert.Multiple(() =>
        {
            Assert.That(settings, Does.Contain("RuntimeIdentifier=\"linux-x64\"").And.Contain("RuntimeIdentifier=\"any\""));
            Assert.That(version.ExitCode, Is.Zero, version.Error);
            Assert.That(version.Output, Does.StartWith(PackageVersion()));
        });
    }

    private static string PackageVersion()
    {
        XDocument props = XDocument.Load(Path.Combine(RepositoryPaths.Root, "Directory.Build.props"));
        return props.Descendants("Version").First().Value;
    }
}
