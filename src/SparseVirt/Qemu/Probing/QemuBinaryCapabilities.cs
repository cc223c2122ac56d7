using System.Collections.Immutable;

namespace SparseVirt.Qemu.Probing;

/// <summary>What a QEMU binary offers, as found by <see cref="QemuBinaryProbe"/>.</summary>
public sealed record QemuBinaryCapabilities
{
    /// <summary>The binary probed.</summary>
    public required string BinaryPath { get; init; }

    /// <summary>QEMU's version.</summary>
    public required Version Version { get; init; }

    /// <summary>The machine types (<c>query-machines</c>), aliases included.</summary>
    public required ImmutableHashSet<string> Machines { get; init; }

    /// <summary>The CPU models (<c>query-cpu-definitions</c>).</summary>
    public required ImmutableHashSet<string> CpuModels { get; init; }

    /// <summary>Every QOM type (<c>qom-list-types</c>): devices, objects, accelerators.</summary>
    public required ImmutableHashSet<string> Types { get; init; }

    /// <summary>The accelerators compiled in (QOM types implementing <c>accel</c>, less the suffix), e.g. <c>tcg</c>, <c>kvm</c>.</summary>
    public required ImmutableHashSet<string> Accelerators { get; init; }

    /// <summary>The properties of each device probed (<c>device-list-properties</c>).</summary>
    public required ImmutableDictionary<string, ImmutableHashSet<string>> DeviceProperties { get; init; }

    /// <summary>The QMP schema, for path queries such as <c>screendump/arg-type/format</c>.</summary>
    public required QemuQmpSchema Schema { get; init; }
}
