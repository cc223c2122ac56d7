using System.Runtime.InteropServices;
using SparseVirt.Cli;

using var cancellation = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    // The first Ctrl+C asks the running command to stop cleanly; a second one ends the process.
    if (!cancellation.IsCancellationRequested)
    {
        e.Cancel = true;
        cancellation.Cancel();
    }
};
// SIGTERM (a supervisor or CI timeout) gets the same clean stop, so 'run' does not leave QEMU behind.
using var termination = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
{
    if (!cancellation.IsCancellationRequested)
    {
        context.Cancel = true;
        cancellation.Cancel();
    }
});
return await SparsevirtApp.RunAsync(args, CliConsole.System, cancellation.Token);
