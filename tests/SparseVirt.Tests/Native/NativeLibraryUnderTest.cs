using SparseVirt.Tests.Infrastructure;

namespace SparseVirt.Tests.Native;

/// <summary>
/// The published C interface the interop tests call: <c>libsparsevirt.so</c>, named by <c>SPARSEVIRT_NATIVE_LIB</c>
/// (set by <c>.ci/run</c> after it publishes <c>src/SparseVirt.Native</c>). Unset, the tests skip with the command
/// that builds it, or fail under <c>SPARSEVIRT_REQUIRE_INTEROP=1</c>.
/// </summary>
internal static class NativeLibraryUnderTest
{
    public const string Variable = "SPARSEVIRT_NATIVE_LIB";

    /// <summary>The header the library was built with (the one in the repository).</summary>
    public static string IncludeFolder => Path.Combine(RepositoryPaths.Root, "src", "SparseVirt.Native", "include");

    /// <summary>The shared library's full path, or skips/fails the test.</summary>
    public static string Require()
    {
        string? path = Environment.GetEnvironmentVariable(Variable);
        if (!string.IsNullOrEmpty(path) && File.Exists(path))
        {
            return Path.GetFullPath(path);
        }
        string reason = string.IsNullOrEmpty(path)
            ? $"{Variable} is not set."
            : $"{Variable} names '{path}', which does not exist.";
        reason += " Publish the C interface (dotnet publish src/SparseVirt.Native -c Release -r linux-x64 -o DIR) and set it to DIR/libsparsevirt.so.";
        if (ExternalTool.InteropRequired)
        {
            Assert.Fail(reason + " SPARSEVIRT_REQUIRE_INTEROP=1 makes this a failure.");
        }
        Assert.Ignore(reason);
        return null!;
    }

    /// <summary>A C compiler: gcc or clang (both installed by .ci/run).</summary>
    public static string RequireCompiler() =>
        ExternalTool.Find("gcc") ?? ExternalTool.Find("clang") ?? ExternalTool.Require("cc", "gcc or clang");
}
