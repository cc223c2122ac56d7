using System.ComponentModel;
using System.Diagnostics;

namespace SparseVirt.Qemu.Disks;

/// <summary>Runs <c>qemu-img</c> to completion and fails with its error output.</summary>
internal static class QemuImageTool
{
    public static async Task<string> RunAsync(string binary, IEnumerable<string> arguments, CancellationToken cancellationToken)
    {
        var startInfo = new ProcessStartInfo(binary) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true };
        foreach (string argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }
        Process process;
        try
        {
            process = Process.Start(startInfo) ?? throw new IOException($"'{binary}' could not be started.");
        }
        catch (Win32Exception e)
        {
            throw new IOException($"'{binary}' could not be started: {e.Message}", e);
        }
        using (process)
        {
            process.StandardInput.Close();
            Task<string> output = process.StandardOutput.ReadToEndAsync(cancellationToken);
            Task<string> error = process.StandardError.ReadToEndAsync(cancellationToken);
            try
            {
                await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                throw;
            }
            string stderr = (await error.ConfigureAwait(false)).Trim();
            if (process.ExitCode != 0)
            {
                throw new IOException($"{Path.GetFileName(binary)} {string.Join(' ', startInfo.ArgumentList)} failed with exit code {process.ExitCode}: {stderr}");
            }
            return await output.ConfigureAwait(false);
        }
    }
}
