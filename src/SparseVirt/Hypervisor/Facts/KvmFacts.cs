namespace SparseVirt.Hypervisor;

/// <summary>What the KVM device says: its file, its permissions, and the kernel's answers to the probe ioctls.</summary>
public sealed record KvmFacts
{
    /// <summary>False on systems without KVM (anything but Linux); the other fields are then unset.</summary>
    public bool Applicable { get; init; }

    /// <summary>Why the KVM checks do not apply, when <see cref="Applicable"/> is false.</summary>
    public string? NotApplicableReason { get; init; }

    /// <summary>The device path probed (normally <c>/dev/kvm</c>).</summary>
    public string DevicePath { get; init => field = value ?? "/dev/kvm"; } = "/dev/kvm";

    /// <summary>What kind of file is at the path.</summary>
    public DeviceFileType FileType { get; init; }

    /// <summary>The statx call on the path (null when not attempted).</summary>
    public SystemCallOutcome? Stat { get; init; }

    /// <summary>Device major number (10 for the misc device KVM registers).</summary>
    public uint? DeviceMajor { get; init; }

    /// <summary>Device minor number (232 for KVM).</summary>
    public uint? DeviceMinor { get; init; }

    /// <summary>Owner user id.</summary>
    public uint? OwnerUid { get; init; }

    /// <summary>Owner user name, from /etc/passwd.</summary>
    public string? OwnerName { get; init; }

    /// <summary>Owner group id.</summary>
    public uint? GroupGid { get; init; }

    /// <summary>Owner group name, from /etc/group (normally <c>kvm</c>).</summary>
    public string? GroupName { get; init; }

    /// <summary>Permission bits in octal, such as <c>0660</c>.</summary>
    public string? Mode { get; init; }

    /// <summary>faccessat(R_OK|W_OK, AT_EACCESS): whether the permission bits let this process read and write.</summary>
    public SystemCallOutcome? Access { get; init; }

    /// <summary>Whether the process's effective or supplementary groups include the device's group.</summary>
    public bool? ProcessInDeviceGroup { get; init; }

    /// <summary>
    /// Whether /etc/group lists the user in the device's group (or it is the user's primary group). True here with
    /// <see cref="ProcessInDeviceGroup"/> false means the user was added but this login session predates it.
    /// </summary>
    public bool? UserListedInDeviceGroup { get; init; }

    /// <summary>open(O_RDWR | O_CLOEXEC) on the device (null when not attempted).</summary>
    public SystemCallOutcome? Open { get; init; }

    /// <summary><c>KVM_GET_API_VERSION</c>; its value must be 12.</summary>
    public SystemCallOutcome? ApiVersion { get; init; }

    /// <summary><c>KVM_CHECK_EXTENSION</c> answers for the capabilities a launcher cares about.</summary>
    public IReadOnlyList<KvmCapabilityFact> Capabilities { get; init => field = value ?? []; } = [];

    /// <summary><c>KVM_GET_VCPU_MMAP_SIZE</c>; its value is the size in bytes.</summary>
    public SystemCallOutcome? VcpuMmapSize { get; init; }

    /// <summary>
    /// <c>KVM_CREATE_VM</c>. Null when not attempted because an earlier step failed. Since schema 3 its success
    /// alone does not make the host ready: <see cref="Trial"/> must show a guest running at hardware speed.
    /// </summary>
    public SystemCallOutcome? CreateVm { get; init; }

    /// <summary>The trial guest run on the VM <see cref="CreateVm"/> made (schema 3); null when no VM was made, and in older fact sets.</summary>
    public KvmTrialFacts? Trial { get; init; }
}
