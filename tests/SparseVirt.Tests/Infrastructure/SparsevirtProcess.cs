using System.Diagnostics;

namespace SparseVirt.Tests.Infrastructure;

/// <summary>Starts the built <c>sparsevirt</c> tool as a process of its own (for tests that kill it with signals).</summary>
internal static class SparsevirtProcess
{
    public static Process Start(params string[] arguments)
    {
        string dotnet = ExternalTool.Find("dotnet") ?? Path.Combine(Path.GetDirectoryName(Environment.ProcessPath)!, "dotnet");
        var start = new ProcessStartInfo(dotnet) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "sparsevirt.dll"));
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        return Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start.");
    }
}
