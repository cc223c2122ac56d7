using System.Diagnostics;

namespace SparseVirt.Tests.Infrastructure;

/// <summary>
/// Finds the external tools the interop tests compare against (AOSP's sparse tools, QEMU, mkfs.ext4).
/// A missing tool makes the test skip with the reason, except under <c>SPARSEVIRT_REQUIRE_INTEROP=1</c>
/// (set by <c>.ci/run</c>), where it is a failure.
/// </summary>
internal static class ExternalTool
{
    public static bool InteropRequired => Environment.GetEnvironmentVariable("SPARSEVIRT_REQUIRE_INTEROP") == "1";

    /// <summary>Returns the full path of <paramref name="name"/> on PATH, or skips/fails the test.</summary>
    public static string Require(string name, string debianPackage)
    {
        string? path = Find(name);
        if (path is not null)
        {
            return path;
        }
        Missing($"'{name}' is not installed (Debian package {debianPackage}).");
        return null!;
    }

    /// <summary>Skips the test for a missing tool or part of one (<paramref name="reason"/>), or fails it under SPARSEVIRT_REQUIRE_INTEROP=1.</summary>
    public static void Missing(string reason)
    {
        if (InteropRequired)
        {
            Assert.Fail(reason + " SPARSEVIRT_REQUIRE_INTEROP=1 makes a missing tool a failure.");
        }
        Assert.Ignore(reason + " Install it, or run bash .ci/run, to run this test.");
    }

    public static string? Find(string name)
    {
        foreach (string folder in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            string candidate = Path.Combine(folder, name);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }
        foreach (string folder in new[] { "/usr/sbin", "/sbin" })
        {
            string candidate = Path.Combine(folder, name);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }
        return null;
    }

    /// <summary>Runs a tool to completion (with a timeout) and returns its exit code, standard output and standard error.</summary>
    public static ToolResult Run(string path, IEnumerable<string> arguments, TimeSpan? timeout = null, IReadOnlyDictionary<string, string>? environment = null)
    {
        var startInfo = new ProcessStartInfo(path)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach ((string name, string value) in environment ?? new Dictionary<string, string>())
        {
            startInfo.Environment[name] = value;
        }
        foreach (string argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }
        using Process process = Process.Start(startInfo) ?? throw new InvalidOperationException($"could not start {path}");
        Task<string> output = process.StandardOutput.ReadToEndAsync();
        Task<string> error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeout ?? TimeSpan.FromMinutes(2)))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"{path} {string.Join(' ', startInfo.ArgumentList)} did not finish in time");
        }
        process.WaitForExit();
        return new ToolResult(process.ExitCode, output.Result, error.Result);
    }

    /// <summary>Runs a tool and fails the test unless it exits 0.</summary>
    public static ToolResult RunChecked(string path, params string[] arguments)
    {
        ToolResult result = Run(path, arguments);
        Assert.That(result.ExitCode, Is.Zero, $"{Path.GetFileName(path)} {string.Join(' ', arguments)} failed: {result.Error}");
        return result;
    }
}

/// <summary>How an external tool's run ended.</summary>
internal sealed record ToolResult(int ExitCode, string Output, string Error);
