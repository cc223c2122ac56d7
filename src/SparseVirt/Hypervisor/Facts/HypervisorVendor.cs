using System.Text.Json.Serialization;

namespace SparseVirt.Hypervisor;

/// <summary>
/// The hypervisor named by the CPUID signature at leaf 0x40000000, when the hypervisor-present bit is set.
/// Values are stable (JSON schema).
/// </summary>
public enum HypervisorVendor
{
    /// <summary>A signature not in this list; <see cref="CpuFacts.HypervisorSignature"/> keeps it raw.</summary>
    Unrecognized = 0,

    /// <summary>Linux KVM (<c>KVMKVMKVM</c>, or <c>Linux KVM Hv</c> with Hyper-V enlightenments).</summary>
    Kvm = 1,

    /// <summary>Microsoft Hyper-V (<c>Microsoft Hv</c>), also under WSL2 and with Windows virtualization-based security.</summary>
    HyperV = 2,

    /// <summary>VMware (<c>VMwareVMware</c>).</summary>
    [JsonStringEnumMemberName("vmware")]
    VMware = 3,

    /// <summary>Xen HVM (<c>XenVMMXenVMM</c>).</summary>
    Xen = 4,

    /// <summary>QEMU's TCG emulator (<c>TCGTCGTCGTCG</c>): no hardware virtualization at all.</summary>
    QemuTcg = 5,

    /// <summary>FreeBSD bhyve (<c>bhyve bhyve </c>).</summary>
    Bhyve = 6,

    /// <summary>QNX hypervisor (<c>QNXQVMBSQG</c>).</summary>
    Qnx = 7,

    /// <summary>Project ACRN (<c>ACRNACRNACRN</c>).</summary>
    Acrn = 8,

    /// <summary>Oracle VirtualBox (<c>VBoxVBoxVBox</c>).</summary>
    VirtualBox = 9,

    /// <summary>Parallels (<c>prl hyperv  </c> or its byte-swapped form).</summary>
    Parallels = 10,

    /// <summary>Apple's x86 translation on Apple silicon (<c>VirtualApple</c>).</summary>
    Apple = 11,
}
