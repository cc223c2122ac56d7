using SparseVirt.Hypervisor.Collection;

namespace SparseVirt.Hypervisor;

/// <summary>What the detector probes. Immutable: the <c>With...</c> methods return changed copies.</summary>
public sealed record HostVirtualizationOptions
{
    /// <summary>The KVM device probed unless told otherwise.</summary>
    public const string DefaultKvmDevicePath = "/dev/kvm";

    /// <summary>The msr driver's device for CPU 0, read for the firmware setting.</summary>
    public const string DefaultMsrDevicePath = "/dev/cpu/0/msr";

    /// <summary>The defaults: /dev/kvm and the firmware MSR read when permitted.</summary>
    public static HostVirtualizationOptions Default { get; } = new();

    /// <summary>The KVM device path (default <c>/dev/kvm</c>). Pointing it elsewhere is for diagnosis and tests.</summary>
    public string KvmDevicePath { get; private init; } = DefaultKvmDevicePath;

    /// <summary>Whether to try reading the firmware's virtualization MSR (needs root; unreadable means "unknown").</summary>
    public bool ReadFirmwareRegister { get; private init; } = true;

    /// <summary>Where /proc, /sys, /etc and the container markers are read; tests substitute a fake tree.</summary>
    internal HostPaths Paths { get; private init; } = HostPaths.System;

    /// <summary>The msr device path read for the firmware setting.</summary>
    internal string MsrDevicePath { get; private init; } = DefaultMsrDevicePath;

    /// <summary>Environment variables as the container check sees them; tests substitute their own.</summary>
    internal Func<string, string?> EnvironmentVariable { get; private init; } = Environment.GetEnvironmentVariable;

    /// <summary>A copy probing <paramref name="kvmDevicePath"/> instead of /dev/kvm.</summary>
    /// <exception cref="ArgumentException">The path is empty or not absolute.</exception>
    public HostVirtualizationOptions WithKvmDevicePath(string kvmDevicePath)
    {
        ArgumentNullException.ThrowIfNull(kvmDevicePath);
        if (kvmDevicePath.Length == 0 || !Path.IsPathRooted(kvmDevicePath) || kvmDevicePath.Contains('\0', StringComparison.Ordinal))
        {
            throw new ArgumentException($"The KVM device path must be an absolute path without NUL characters; got '{kvmDevicePath}'.", nameof(kvmDevicePath));
        }
        return this with { KvmDevicePath = kvmDevicePath };
    }

    /// <summary>A copy that does (or does not) try to read the firmware MSR.</summary>
    public HostVirtualizationOptions WithFirmwareRegister(bool read) => this with { ReadFirmwareRegister = read };

    internal HostVirtualizationOptions WithPaths(HostPaths paths, string msrDevicePath) => this with { Paths = paths, MsrDevicePath = msrDevicePath };

    internal HostVirtualizationOptions WithEnvironment(Func<string, string?> environmentVariable) => this with { EnvironmentVariable = environmentVariable };
}
