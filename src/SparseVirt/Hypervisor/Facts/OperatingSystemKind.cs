namespace SparseVirt.Hypervisor;

/// <summary>The operating system family the facts were gathered on. Values are stable (JSON schema).</summary>
public enum OperatingSystemKind
{
    /// <summary>An operating system not listed here.</summary>
    Other = 0,

    /// <summary>Linux, the only system with KVM.</summary>
    Linux = 1,

    /// <summary>Windows (Hyper-V / Windows Hypervisor Platform instead of KVM).</summary>
    Windows = 2,

    /// <summary>macOS (Hypervisor.framework instead of KVM).</summary>
    MacOS = 3,

    /// <summary>FreeBSD (bhyve / vmm instead of KVM).</summary>
    FreeBsd = 4,
}
