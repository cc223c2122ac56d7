namespace SparseVirt.Qemu;

/// <summary>
/// The guest's virtual CPUs (<c>-smp</c>). Either a plain count, or a count with its full topology, in which case
/// sockets × cores × threads must equal the count.
/// </summary>
public sealed record QemuSmp
{
    /// <summary>Creates a plain CPU count; QEMU chooses the topology.</summary>
    public QemuSmp(int cpus)
    {
        Cpus = cpus;
    }

    /// <summary>Creates a CPU count with an explicit topology.</summary>
    public QemuSmp(int cpus, int sockets, int cores, int threads)
    {
        Cpus = cpus;
        Sockets = sockets;
        Cores = cores;
        Threads = threads;
    }

    /// <summary>The number of virtual CPUs.</summary>
    public int Cpus { get; private init; }

    /// <summary>CPU sockets, or <see langword="null"/> to let QEMU choose the topology.</summary>
    public int? Sockets { get; private init; }

    /// <summary>Cores per socket, or <see langword="null"/> to let QEMU choose the topology.</summary>
    public int? Cores { get; private init; }

    /// <summary>Threads per core, or <see langword="null"/> to let QEMU choose the topology.</summary>
    public int? Threads { get; private init; }

    /// <summary>A copy with <paramref name="sockets"/> CPU sockets (sockets, cores and threads are given all together or not at all).</summary>
    public QemuSmp WithSockets(int? sockets) => this with { Sockets = sockets };

    /// <summary>A copy with <paramref name="cores"/> cores per socket.</summary>
    public QemuSmp WithCores(int? cores) => this with { Cores = cores };

    /// <summary>A copy with <paramref name="threads"/> threads per core.</summary>
    public QemuSmp WithThreads(int? threads) => this with { Threads = threads };
}
