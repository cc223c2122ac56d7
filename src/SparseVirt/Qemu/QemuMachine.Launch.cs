using System.ComponentModel;
using System.Diagnostics;
using System.Net.Sockets;
using SparseVirt.Qemu.CommandLine;
using SparseVirt.Qemu.Launch;
using SparseVirt.Qemu.Qmp;

namespace SparseVirt.Qemu;

/// <summary>Start-up: the process, its monitor and serial connections, and failing with QEMU's own last words.</summary>
public sealed partial class QemuMachine
{
    private async Task LaunchAsync(IProgress<QemuStartupProgress>? progress, CancellationToken cancellationToken)
    {
        using Socket monitorListener = UnixSocketListener.Listen(Sockets.MonitorPath);
        using Socket? serialListener = Sockets.SerialCapturePath is { } serialPath ? UnixSocketListener.Listen(serialPath) : null;
        StartProcess();
        progress?.Report(new QemuStartupProgress(QemuStartupStage.ProcessStarted, ProcessId));

        using var startup = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        startup.CancelAfter(_options.StartupTimeout);
        try
        {
            Socket monitor = await UntilExitAsync(monitorListener.AcceptAsync(startup.Token).AsTask()).ConfigureAwait(false);
            progress?.Report(new QemuStartupProgress(QemuStartupStage.MonitorConnected, ProcessId));
            QmpClientOptions qmpOptions = _options.Qmp.Logger is null ? _options.Qmp.WithLogger(_logger) : _options.Qmp;
            _qmp = await UntilExitAsync(QmpClient.ConnectAsync(new NetworkStream(monitor, ownsSocket: true), qmpOptions, startup.Token)).ConfigureAwait(false);
            if (serialListener is not null)
            {
                // QEMU connected the serial chardev while creating it, before serving QMP, so it is waiting in the backlog.
                Socket serial = await UntilExitAsync(serialListener.AcceptAsync(startup.Token).AsTask()).ConfigureAwait(false);
                Serial = new QemuSerialCapture(new NetworkStream(serial, ownsSocket: true), _options.SerialRetainedChars, _logger);
            }
            KvmStatus = await UntilExitAsync(_qmp.QueryKvmAsync(startup.Token)).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested && startup.IsCancellationRequested)
        {
            throw await StartFailureAsync($"QEMU did not connect and negotiate its monitor within {_options.StartupTimeout.TotalSeconds:0.###} s.", null).ConfigureAwait(false);
        }
        catch (Exception e) when (e is QmpProtocolException or QmpConnectionClosedException or TimeoutException or SocketException)
        {
            throw await StartFailureAsync("QEMU's monitor failed during start-up: " + e.Message, e).ConfigureAwait(false);
        }
        Accelerator = DetermineAccelerator();
        QemuAccelerator preferred = Definition.Accelerators[0];
        if (Accelerator != preferred)
        {
            QemuLog.AcceleratorFallback(_logger, ProcessId, Accelerator, preferred);
        }
        QemuLog.Running(_logger, ProcessId, Accelerator);
        progress?.Report(new QemuStartupProgress(QemuStartupStage.Ready, ProcessId));
    }

    private void StartProcess()
    {
        // setsid(1) calls setsid() and execs QEMU in the same process (a child is never a group leader), so the pid
        // below is QEMU's own.
        string? setsid = _options.OwnSession ? FindSetsid() : null;
        var startInfo = new ProcessStartInfo(setsid ?? BinaryPath)
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        if (setsid is not null)
        {
            startInfo.ArgumentList.Add(BinaryPath);
        }
        foreach (string argument in Arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }
        QemuLog.Starting(_logger, FormatCommandLine(_commandLine));
        try
        {
            _process = Process.Start(startInfo) ?? throw new QemuStartException($"QEMU '{BinaryPath}' could not be started.", null, _commandLine, "");
        }
        catch (Win32Exception e)
        {
            throw new QemuStartException($"QEMU '{BinaryPath}' could not be started: {e.Message}", null, _commandLine, "", e);
        }
        ProcessId = _process.Id;
        // QEMU reads nothing from stdin here; an open pipe would only tie it to this process's terminal.
        _process.StandardInput.Close();
        Process process = _process;
        _outputDrained = Task.WhenAll(
            OutputLineReader.DrainAsync(process.StandardOutput.BaseStream, line => { QemuLog.StandardOutput(_logger, ProcessId, line); _standardOutput.Add(line); }),
            OutputLineReader.DrainAsync(process.StandardError.BaseStream, line => { QemuLog.StandardError(_logger, ProcessId, line); _standardError.Add(line); }));
        _exited = WaitForProcessExitAsync(process);
    }

    private static string? FindSetsid() =>
        OperatingSystem.IsWindows() ? null : Array.Find(["/usr/bin/setsid", "/bin/setsid"], File.Exists);

    private async Task<int> WaitForProcessExitAsync(Process process)
    {
        await process.WaitForExitAsync().ConfigureAwait(false);
        int exitCode = process.ExitCode;
        QemuLog.Exited(_logger, ProcessId, exitCode);
        return exitCode;
    }

    /// <summary>Awaits a start-up step, unless QEMU exits first: then the caller learns why instead of waiting for a timeout.</summary>
    private async Task<T> UntilExitAsync<T>(Task<T> step)
    {
        Task finished = await Task.WhenAny(step, _exited).ConfigureAwait(false);
        if (finished != step)
        {
            // The step may still succeed (an accepted socket, a negotiated client) with nobody left to own the result.
            _ = step.ContinueWith(static t => ReleaseAbandoned(t), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            throw await StartFailureAsync($"QEMU exited during start-up with exit code {await _exited.ConfigureAwait(false)}.", null).ConfigureAwait(false);
        }
        return await step.ConfigureAwait(false);
    }

    private static void ReleaseAbandoned<T>(Task<T> step)
    {
        if (!step.IsCompletedSuccessfully)
        {
            _ = step.Exception; // observed, so it is not reported as unobserved
            return;
        }
        switch (step.Result)
        {
            case IAsyncDisposable asyncDisposable:
                _ = asyncDisposable.DisposeAsync().AsTask().ContinueWith(static d => _ = d.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
                break;
            case IDisposable disposable:
                disposable.Dispose();
                break;
        }
    }

    private async Task<QemuStartException> StartFailureAsync(string reason, Exception? innerException)
    {
        if (HasExited)
        {
            // The pipes close when QEMU exits; wait briefly so its last stderr lines are in the message.
            await _outputDrained.WaitAsync(TimeSpan.FromSeconds(2)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
        string tail = _standardError.Snapshot();
        string message = reason + Environment.NewLine
            + "Command: " + FormatCommandLine(_commandLine) + Environment.NewLine
            + (tail.Length > 0 ? "QEMU stderr:" + Environment.NewLine + tail : "QEMU wrote nothing to stderr.");
        return new QemuStartException(message, ExitCode, _commandLine, tail, innerException);
    }

    private QemuAccelerator DetermineAccelerator()
    {
        if (KvmStatus.Enabled)
        {
            return QemuAccelerator.Kvm;
        }
        // query-kvm only answers for KVM. Of the rest, QEMU used the first listed that can exist on this host OS.
        foreach (QemuAccelerator accelerator in Definition.Accelerators)
        {
            bool possible = accelerator switch
            {
                QemuAccelerator.Kvm => false,
                QemuAccelerator.Hvf => OperatingSystem.IsMacOS(),
                QemuAccelerator.Whpx => OperatingSystem.IsWindows(),
                _ => true,
            };
            if (possible)
            {
                return accelerator;
            }
        }
        return QemuAccelerator.Tcg;
    }

    private static string FormatCommandLine(IEnumerable<string> arguments) =>
        string.Join(' ', arguments.Select(argument => argument.Length > 0 && argument.All(c => char.IsAsciiLetterOrDigit(c) || "-_=,./:+@".Contains(c, StringComparison.Ordinal))
            ? argument
            : "'" + argument.Replace("'", "'\\''", StringComparison.Ordinal) + "'"));
}
