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
    public int Cpus { get; init; }

    /// <summary>CPU sockets, or <see langword="null"/> to let QEMU choose the topology.</summary>
    public int? Sockets { get; init; }

    /// <summary>Cores per socket, or <see langword="null"/> to let QEMU choose the topology.</summary>
    public int? Cores { get; init; }

    /// <summary>Threads per core, or <see langword="null"/> to let QEMU choose the topology.</summary>
    public int? Threads { get; init; }
}
