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
return await SparsevirtApp.RunAsync(args, CliConsole.System, cancellation.Token);
