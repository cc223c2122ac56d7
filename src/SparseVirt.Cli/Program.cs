using System.Runtime.InteropServices;
using SparseVirt.Cli;

// The first Ctrl+C (or SIGTERM) asks the running verb to stop cleanly; a second one asks it to stop at once (e.g.
// kill QEMU instead of waiting for the guest); a third ends the process.
using var cancellation = new CancellationTokenSource();
using var urgent = new CancellationTokenSource();
bool Interrupt()
{
    if (!cancellation.IsCancellationRequested)
    {
        cancellation.Cancel();
        return true;
    }
    if (!urgent.IsCancellationRequested)
    {
        urgent.Cancel();
        return true;
    }
    return false;
}

Console.CancelKeyPress += (_, e) => e.Cancel = Interrupt();
// SIGTERM (a supervisor or CI timeout) gets the same clean stop, so 'run' does not leave QEMU behind.
using var termination = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context => context.Cancel = Interrupt());
return await SparsevirtApp.RunAsync(args, CliConsole.System with { UrgentStop = urgent.Token }, cancellation.Token);
