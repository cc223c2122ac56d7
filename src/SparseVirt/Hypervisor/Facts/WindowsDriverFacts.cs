namespace SparseVirt.Hypervisor;

/// <summary>A Windows hypervisor driver (AEHD or HAXM): its service, its device and its version.</summary>
public sealed record WindowsDriverFacts
{
    /// <summary>Whether the driver's service key exists under <c>HKLM\SYSTEM\CurrentControlSet\Services</c>; null when unreadable or not probed.</summary>
    public bool? ServiceInstalled { get; init; }

    /// <summary>The device path opened last (<c>\\.\AEHD</c>, <c>\\.\gvm</c>, <c>\\.\HAX</c>); null when not probed.</summary>
    public string? DevicePath { get; init; }

    /// <summary><c>CreateFileW</c> on the device (read-write, open existing).</summary>
    public SystemCallOutcome? Open { get; init; }

    /// <summary>The driver's version ioctl (<c>AEHD_GET_API_VERSION</c> or <c>HAX_IOCTL_VERSION</c>); <c>value</c> is the version.</summary>
    public SystemCallOutcome? Version { get; init; }
}
