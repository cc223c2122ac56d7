using System.CommandLine;
using SparseVirt.Cli.Infrastructure;
using SparseVirt.Cli.Run;

namespace SparseVirt.Cli.Commands;

/// <summary>
/// <c>sparsevirt run DISK...</c>: boots disks (Android sparse images as they are) in QEMU on the best accelerator.
/// The arguments are read into a <see cref="RunRequest"/>, planned once (<see cref="RunPlan"/>), and the plan is
/// carried out by <see cref="RunRunner"/>.
/// </summary>
internal static class RunCommand
{
    public static Command Create(CliConsole console)
    {
        var arguments = new RunArguments();
        var command = new Command("run", """
            Boot disks in QEMU. Android sparse images are accepted as they are and served to QEMU over NBD by this
            process straight from their chunk tables: nothing is expanded, and the guest's writes go to a temporary
            overlay (discarded), or to the --overlay given for the disk in the same position (they persist there, and
            the image is never written). --expand instead expands each once into a cache. What the QEMU binary
            supports is probed once and kept in ~/.cache/sparsevirt/qemu-probes ($XDG_CACHE_HOME honoured) until the
            binary changes. The exit code is 0 when the guest powered off by itself, 1 when QEMU failed, and 130 when
            stopped with Ctrl+C.
            """);
        arguments.AddTo(command);
        VerbRunner.SetAction(command, console, (context, cancellationToken) => RunAsync(context, arguments, cancellationToken));
        return command;
    }

    private static Task<int> RunAsync(VerbContext context, RunArguments arguments, CancellationToken cancellationToken) =>
        RunRunner.RunAsync(context, RunPlan.Create(arguments.Read(context)), cancellationToken);
}
