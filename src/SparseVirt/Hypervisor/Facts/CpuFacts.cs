using System.Text.Json.Serialization;

namespace SparseVirt.Hypervisor;

/// <summary>What CPUID says about the processor (x86 and x64 only).</summary>
public sealed record CpuFacts
{
    /// <summary>The vendor id of leaf 0 (<c>GenuineIntel</c>, <c>AuthenticAMD</c> ...).</summary>
    public string Vendor { get; init => field = value ?? ""; } = "";

    /// <summary>The brand string of leaves 0x80000002-4, trimmed; null when the CPU has none.</summary>
    public string? BrandString { get; init; }

    /// <summary>Intel VT-x: leaf 1 ECX bit 5.</summary>
    public bool Vmx { get; init; }

    /// <summary>AMD-V: leaf 0x80000001 ECX bit 2.</summary>
    public bool Svm { get; init; }

    /// <summary>AMD nested paging (RVI): leaf 0x8000000A EDX bit 0; null when SVM is absent.</summary>
    public bool? SvmNestedPaging { get; init; }

    /// <summary>The hypervisor-present bit: leaf 1 ECX bit 31. Set means this is a virtual machine.</summary>
    public bool HypervisorPresent { get; init; }

    /// <summary>The 12-byte signature of leaf 0x40000000 with NULs removed; null without a hypervisor.</summary>
    public string? HypervisorSignature { get; init; }

    /// <summary>The hypervisor the signature names; null without a hypervisor.</summary>
    public HypervisorVendor? Hypervisor { get; init; }

    /// <summary>A readable hypervisor name (<c>Microsoft Hyper-V</c>), or the raw signature when unrecognized.</summary>
    public string? HypervisorName { get; init; }

    /// <summary>
    /// For a hypervisor with the Microsoft interface (leaf 0x40000001 EAX = <c>Hv#1</c>): whether this partition may
    /// create partitions (leaf 0x40000003 EBX bit 0, CreatePartitions), which only the Hyper-V root partition (the
    /// Windows host itself, with Hyper-V running) may. False means a guest; null without that interface (schema 2).
    /// </summary>
    public bool? HyperVRootPartition { get; init; }

    /// <summary>True when the vendor is Intel (VMX is the extension that matters).</summary>
    [JsonIgnore]
    public bool IsIntel => Vendor == "GenuineIntel";

    /// <summary>True when the vendor is AMD or Hygon (SVM is the extension that matters).</summary>
    [JsonIgnore]
    public bool IsAmd => Vendor is "AuthenticAMD" or "HygonGenuine";

    /// <summary>True when the CPU advertises either virtualization extension.</summary>
    [JsonIgnore]
    public bool HasVirtualizationExtensions => Vmx || Svm;
}
