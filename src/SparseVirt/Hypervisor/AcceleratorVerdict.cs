namespace SparseVirt.Hypervisor;

/// <summary>The verdict on one accelerator that applies to this operating system.</summary>
public sealed record AcceleratorVerdict
{
    /// <summary>The accelerator.</summary>
    public Accelerator Accelerator { get; init; }

    /// <summary>QEMU's <c>-accel</c> value for it (<c>kvm</c>, <c>whpx</c>, <c>hvf</c>, <c>tcg</c>); null for drivers only the Android Emulator uses (AEHD, HAXM).</summary>
    public string? QemuAccelerator { get; init; }

    /// <summary>True when this process can use the accelerator now.</summary>
    public bool IsUsable => Verdict.Status == VirtualizationStatus.Ready;

    /// <summary>Status, reason and remediation for this accelerator.</summary>
    public VirtualizationVerdict Verdict { get; init => field = value ?? new(); } = new();
}
