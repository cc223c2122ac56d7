using System.Globalization;
using Microsoft.Extensions.Logging;
using SparseVirt.Cli.Infrastructure;
using SparseVirt.Qemu;

namespace SparseVirt.Cli.Run;

/// <summary>How one boot ended: the exit code, and whether the accelerator failed to run the guest (QEMU's internal-error).</summary>
internal readonly record struct RunBootResult(int ExitCode, bool AcceleratorFailed);

/// <summary>
/// One boot of <c>run</c>: starts QEMU paused, pumps the serial console to standard output, resumes the guest and
/// waits for it to power off, stopping it (gracefully, then forcefully) on Ctrl+C or --timeout.
/// </summary>
internal static class RunBoot
{
    public static async Task<RunBootResult> BootAsync(VerbContext context, QemuMachineDefinition definition, RunRequest request, CancellationToken cancellationToken)
    {
        // The binary's probe is kept between runs (as libvirt keeps QEMU's capabilities): without it every run
        // waits for a probe about as long as QEMU's own start.
        QemuLaunchOptions launch = QemuLaunchOptions.Default
            .WithLogger(context.LoggerFactory.CreateLogger("SparseVirt.Qemu"))
            .WithProbeCacheDirectory(SparseDiskCache.ProbeFolder());
        await using QemuMachine machine = await QemuMachine.StartAsync(definition, launch, progress: null, cancellationToken).ConfigureAwait(false);
        await context.Console.Error.WriteLineAsync($"QEMU started (pid {machine.ProcessId}); accelerator in use: {machine.Accelerator.ToString().ToUpperInvariant()}.").ConfigureAwait(false);

        Task serialPump = machine.Serial is { } capture ? PumpSerialAsync(capture, context.Console.Out) : Task.CompletedTask;
        await machine.Qmp.ResumeAsync(cancellationToken).ConfigureAwait(false);
        using var timeoutSource = request.Timeout is TimeSpan limit ? new CancellationTokenSource(limit) : new CancellationTokenSource();
        using var stopWhen = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeoutSource.Token);
        int exitCode;
        try
        {
            exitCode = await machine.WaitForGuestAsync(stopWhen.Token).ConfigureAwait(false);
        }
        catch (QemuGuestStoppedException stopped)
        {
            return await OnGuestStoppedAsync(context, machine, serialPump, stopped, request).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stopWhen.IsCancellationRequested)
        {
            return await StopGuestAsync(context, machine, serialPump, request, interrupted: cancellationToken.IsCancellationRequested).ConfigureAwait(false);
        }

        await serialPump.ConfigureAwait(false);
        if (exitCode == 0)
        {
            await context.Console.Error.WriteLineAsync("The guest powered off.").ConfigureAwait(false);
            return new RunBootResult(ExitCodes.Success, false);
        }
        await context.Console.Error.WriteLineAsync($"QEMU exited with code {exitCode}: {LastLine(machine.StandardErrorTail)}").ConfigureAwait(false);
        return new RunBootResult(ExitCodes.Failure, false);
    }

    /// <summary>QEMU would wait, stopped, for ever: say why, end it, and let the caller decide about TCG.</summary>
    private static async Task<RunBootResult> OnGuestStoppedAsync(VerbContext context, QemuMachine machine, Task serialPump, QemuGuestStoppedException stopped, RunRequest request)
    {
        TextWriter error = context.Console.Error;
        await error.WriteLineAsync(stopped.Message).ConfigureAwait(false);
        await machine.StopAsync(TimeSpan.Zero, forcefulCancellation: context.Console.UrgentStop).ConfigureAwait(false);
        await serialPump.ConfigureAwait(false);
        if (stopped.IsAcceleratorFailure && !request.RetryOnTcg)
        {
            await error.WriteLineAsync("Boot it on TCG with --accel tcg, or add --retry-on-tcg; 'sparsevirt check' tells whether this KVM can run a guest.").ConfigureAwait(false);
        }
        return new RunBootResult(ExitCodes.Failure, stopped.IsAcceleratorFailure);
    }

    /// <summary>Ctrl+C or --timeout: asks the guest to power off, escalating after --stop-timeout (or at a second Ctrl+C).</summary>
    private static async Task<RunBootResult> StopGuestAsync(VerbContext context, QemuMachine machine, Task serialPump, RunRequest request, bool interrupted)
    {
        TextWriter error = context.Console.Error;
        string why = interrupted ? "interrupted" : $"--timeout of {request.Timeout!.Value.TotalSeconds.ToString(CultureInfo.InvariantCulture)} s reached";
        await error.WriteLineAsync($"{why}: asking the guest to power off (escalating after {request.StopTimeout.TotalSeconds.ToString(CultureInfo.InvariantCulture)} s; Ctrl+C again stops it at once)...").ConfigureAwait(false);
        QemuStopResult stop = await machine.StopAsync(request.StopTimeout, forcefulCancellation: context.Console.UrgentStop).ConfigureAwait(false);
        await serialPump.ConfigureAwait(false);
        await error.WriteLineAsync($"The guest was stopped ({stop.Method}).").ConfigureAwait(false);
        return new RunBootResult(interrupted ? ExitCodes.Canceled : ExitCodes.Failure, false);
    }

    private static async Task PumpSerialAsync(QemuSerialCapture capture, TextWriter output)
    {
        await foreach (string line in capture.ReadLinesAsync().ConfigureAwait(false))
        {
            await output.WriteLineAsync(line).ConfigureAwait(false);
            await output.FlushAsync().ConfigureAwait(false);
        }
    }

    private static string LastLine(string text) => text.TrimEnd().Split('\n').LastOrDefault() ?? "";
}
