using System.CommandLine;
using SparseVirt.Cli.Infrastructure;
using SparseVirt.Hypervisor;

namespace SparseVirt.Cli.Commands;

/// <summary>
/// <c>sparsevirt check [--json | --emulator] [--device PATH]</c>: which hardware accelerator (KVM, WHPX, HVF) can
/// this process use, and if none, why? Exit codes follow kvm-ok: 0 ready, 1 not ready, 2 when the check itself
/// failed; with <c>--emulator</c>, the Android Emulator's <c>-accel-check</c> code.
/// </summary>
internal static class CheckCommand
{
    private const int NotReady = ExitCodes.Failure;

    // kvm-ok's convention, which installers scripting this check expect; it equals ExitCodes.Usage by value only.
    private const int InternalError = 2;

    public static Command Create(CliConsole console)
    {
        var json = new Option<bool>("--json")
        {
            Description = "Write the whole report (facts and verdict) as JSON to standard output; the schema is in docs/hypervisor.md.",
        };
        var emulator = new Option<bool>("--emulator")
        {
            Description = "Answer like the Android Emulator's 'emulator -accel-check': print the accel: block (code, one line of text) and exit with its code (0 ready, 1 nested not supported, 6 not installed, 8 /dev/kvm not found, 9 VT disabled, 11 permission, 15 Hyper-V enabled ...).",
        };
        var device = new Option<string>("--device")
        {
            Description = "The KVM device to probe (Linux).",
            DefaultValueFactory = _ => HostVirtualizationOptions.DefaultKvmDevicePath,
            HelpName = "path",
        };
        var command = new Command(
            "check",
            "Check which hardware accelerator this process can use (KVM on Linux, WHPX on Windows, HVF on macOS), and if none, why and what to do; " +
            "TCG (software emulation) is the fallback.\n" +
            "On Linux KVM is ready only when a trial guest runs on it, correctly and at hardware speed (see docs/hypervisor.md).\n" +
            "Exit codes: 0 ready, 1 not ready, 2 the check itself failed; with --emulator, the Android Emulator's acceleration code.")
        {
            json,
            emulator,
            device,
        };
        command.Validators.Add(result =>
        {
            if (result.GetValue(json) && result.GetValue(emulator))
            {
                result.AddError("--json and --emulator choose different outputs; give one of them.");
            }
        });

        VerbRunner.SetAction(command, console, (context, cancellationToken) => CheckAsync(context, json, emulator, device, cancellationToken));
        return command;
    }

    private static async Task<int> CheckAsync(VerbContext context, Option<bool> json, Option<bool> emulator, Option<string> device, CancellationToken cancellationToken)
    {
        HostVirtualizationOptions options;
        try
        {
            options = HostVirtualizationOptions.Default.WithKvmDevicePath(context.GetValue(device));
        }
        catch (ArgumentException e)
        {
            throw new UsageException($"--device: {e.Message}");
        }

        HostVirtualizationReport report;
        try
        {
            var logger = context.LoggerFactory.CreateLogger("SparseVirt.Hypervisor");
            report = await HostVirtualization.DetectAsync(options, logger, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return await VerbRunner.FailAsync(context, e, $"the check itself failed: {e.GetType().Name}: {e.Message}", InternalError).ConfigureAwait(false);
        }

        if (context.GetValue(emulator))
        {
            await context.Console.Out.WriteAsync(report.Emulator.ToAccelCheckOutput()).ConfigureAwait(false);
            return report.Emulator.CodeValue;
        }
        string text = context.GetValue(json) ? report.ToJson() : CheckReportText.Describe(report);
        await context.Console.Out.WriteLineAsync(text).ConfigureAwait(false);
        return report.IsReady ? ExitCodes.Success : NotReady;
    }
}
