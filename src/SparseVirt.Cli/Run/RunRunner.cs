using System.Collections.Immutable;
using SparseVirt.Cli.Infrastructure;
using SparseVirt.Qemu;

namespace SparseVirt.Cli.Run;

/// <summary>
/// Carries out a <see cref="RunPlan"/>: readies the disks (serving the sparse and composed ones over NBD), chooses
/// the accelerator, boots QEMU and waits for the guest, booting once more on TCG when asked and the hardware
/// accelerator failed; the NBD server and its images are closed on the way out.
/// </summary>
internal static class RunRunner
{
    public static async Task<int> RunAsync(VerbContext context, RunPlan plan, CancellationToken cancellationToken)
    {
        await using var server = new SparseDiskServer(context.LoggerFactory);
        ImmutableArray<QemuDisk> disks = await PrepareDisksAsync(context, plan, server, cancellationToken).ConfigureAwait(false);
        QemuMachineDefinition machine = await AcceleratorChoice.ApplyAsync(context, plan.Machine, plan.Request.Accelerator, cancellationToken).ConfigureAwait(false);
        if (plan.MissingBinary is { } missing)
        {
            if (!plan.Request.AllowNoQemu)
            {
                throw missing;
            }
            await context.Console.Error.WriteLineAsync($"QEMU is not installed ({missing.Message}); the disks are ready: {string.Join(", ", disks.Select(d => d.Path))}. Install qemu-system-x86 to boot them.").ConfigureAwait(false);
            return ExitCodes.Success;
        }
        foreach (QemuDisk disk in disks)
        {
            machine = machine.WithDisk(disk);
        }
        return await BootAsync(context, plan, machine, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Every disk in boot order: all are opened or readied first (a corrupt sparse image fails here, before QEMU is
    /// ever started), then the NBD server starts, if any disk is served, and the served disks are attached.
    /// </summary>
    private static async Task<ImmutableArray<QemuDisk>> PrepareDisksAsync(VerbContext context, RunPlan plan, SparseDiskServer server, CancellationToken cancellationToken)
    {
        var preparer = new RunDiskPreparer(context, plan, server);
        var ready = new QemuDisk?[plan.Disks.Length];
        for (int i = 0; i < ready.Length; i++)
        {
            ready[i] = await preparer.OpenAsync(plan.Disks[i], cancellationToken).ConfigureAwait(false);
        }
        if (plan.HasServedDisks)
        {
            await server.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        for (int i = 0; i < ready.Length; i++)
        {
            ready[i] ??= await preparer.AttachAsync(plan.Disks[i], cancellationToken).ConfigureAwait(false);
        }
        return [.. ready.Select(disk => disk!)];
    }

    private static async Task<int> BootAsync(VerbContext context, RunPlan plan, QemuMachineDefinition machine, CancellationToken cancellationToken)
    {
        RunBootResult result = await RunBoot.BootAsync(context, machine, plan.Request, cancellationToken).ConfigureAwait(false);
        if (result.AcceleratorFailed && plan.Request.RetryOnTcg && !machine.Accelerators.SequenceEqual([QemuAccelerator.Tcg]))
        {
            await context.Console.Error.WriteLineAsync("--retry-on-tcg: booting the guest again on TCG (software emulation).").ConfigureAwait(false);
            result = await RunBoot.BootAsync(context, machine.WithAccelerators(QemuAccelerator.Tcg), plan.Request, cancellationToken).ConfigureAwait(false);
        }
        return result.ExitCode;
    }
}
