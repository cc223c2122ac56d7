using System.Runtime.Intrinsics.X86;
using System.Text;

namespace SparseVirt.Hypervisor.Collection;

/// <summary>Reads the CPUID leaves that say whether the processor can virtualize and whether it is itself virtual.</summary>
internal static class CpuIdReader
{
    private const uint BasicFeaturesLeaf = 1;
    private const uint ExtendedRangeLeaf = 0x80000000;
    private const uint ExtendedFeaturesLeaf = 0x80000001;
    private const uint BrandStringFirstLeaf = 0x80000002;
    private const uint BrandStringLastLeaf = 0x80000004;
    private const uint SvmFeaturesLeaf = 0x8000000A;
    private const uint HypervisorLeaf = 0x40000000;
    private const uint HypervisorInterfaceLeaf = 0x40000001;
    private const uint HyperVFeaturesLeaf = 0x40000003;
    private const int MicrosoftInterfaceSignature = 0x31237648; // "Hv#1"

    private const int VmxBit = 5;          // leaf 1 ECX
    private const int HypervisorBit = 31;  // leaf 1 ECX
    private const int SvmBit = 2;          // leaf 0x80000001 ECX
    private const int NestedPagingBit = 0; // leaf 0x8000000A EDX
    private const int CreatePartitionsBit = 0; // leaf 0x40000003 EBX

    /// <summary>The CPUID facts, or null when this process does not run on an x86 processor.</summary>
    public static CpuFacts? Read()
    {
        if (!X86Base.IsSupported)
        {
            return null;
        }

        (int maxBasicLeaf, int vendorEbx, int vendorEcx, int vendorEdx) = X86Base.CpuId(0, 0);
        string vendor = Registers(vendorEbx, vendorEdx, vendorEcx);
        int basicEcx = maxBasicLeaf >= BasicFeaturesLeaf ? Leaf(BasicFeaturesLeaf).Ecx : 0;
        uint maxExtendedLeaf = (uint)Leaf(ExtendedRangeLeaf).Eax;
        bool svm = maxExtendedLeaf >= ExtendedFeaturesLeaf && IsSet(Leaf(ExtendedFeaturesLeaf).Ecx, SvmBit);
        bool? nestedPaging = svm && maxExtendedLeaf >= SvmFeaturesLeaf
            ? IsSet(Leaf(SvmFeaturesLeaf).Edx, NestedPagingBit)
            : null;
        bool hypervisorPresent = IsSet(basicEcx, HypervisorBit);

        string? signature = null;
        bool? rootPartition = null;
        if (hypervisorPresent)
        {
            (int maxHypervisorLeaf, int ebx, int ecx, int edx) = Leaf(HypervisorLeaf);
            signature = Registers(ebx, ecx, edx);
            if ((uint)maxHypervisorLeaf >= HyperVFeaturesLeaf && (uint)maxHypervisorLeaf < 0x40010000 && Leaf(HypervisorInterfaceLeaf).Eax == MicrosoftInterfaceSignature)
            {
                rootPartition = IsSet(Leaf(HyperVFeaturesLeaf).Ebx, CreatePartitionsBit);
            }
        }
        (HypervisorVendor vendorOfHypervisor, string name)? identified = signature is null ? null : Identify(signature);

        return new CpuFacts
        {
            Vendor = vendor,
            BrandString = maxExtendedLeaf >= BrandStringLastLeaf ? ReadBrandString() : null,
            Vmx = IsSet(basicEcx, VmxBit),
            Svm = svm,
            SvmNestedPaging = nestedPaging,
            HypervisorPresent = hypervisorPresent,
            HypervisorSignature = signature,
            Hypervisor = identified?.vendorOfHypervisor,
            HypervisorName = identified?.name,
            HyperVRootPartition = rootPartition,
        };
    }

    /// <summary>Names the hypervisor of a leaf 0x40000000 signature (EBX, ECX, EDX as text, NULs removed).</summary>
    public static (HypervisorVendor Vendor, string Name) Identify(string signature)
    {
        string trimmed = signature.Trim();
        return trimmed switch
        {
            _ when trimmed.StartsWith("KVMKVMKVM", StringComparison.Ordinal) => (HypervisorVendor.Kvm, "KVM"),
            "Linux KVM Hv" => (HypervisorVendor.Kvm, "KVM"),
            "Microsoft Hv" => (HypervisorVendor.HyperV, "Microsoft Hyper-V"),
            "VMwareVMware" => (HypervisorVendor.VMware, "VMware"),
            "XenVMMXenVMM" => (HypervisorVendor.Xen, "Xen"),
            "TCGTCGTCGTCG" => (HypervisorVendor.QemuTcg, "QEMU TCG"),
            "bhyve bhyve" => (HypervisorVendor.Bhyve, "bhyve"),
            "QNXQVMBSQG" => (HypervisorVendor.Qnx, "QNX Hypervisor"),
            "ACRNACRNACRN" => (HypervisorVendor.Acrn, "ACRN"),
            "VBoxVBoxVBox" => (HypervisorVendor.VirtualBox, "VirtualBox"),
            "prl hyperv" or "lrpepyh  vr" => (HypervisorVendor.Parallels, "Parallels"),
            "VirtualApple" => (HypervisorVendor.Apple, "Apple"),
            _ => (HypervisorVendor.Unrecognized, trimmed.Length == 0 ? "an unnamed hypervisor" : trimmed),
        };
    }

    private static string ReadBrandString()
    {
        Span<int> registers = stackalloc int[12];
        int index = 0;
        for (uint leaf = BrandStringFirstLeaf; leaf <= BrandStringLastLeaf; leaf++)
        {
            (int eax, int ebx, int ecx, int edx) = Leaf(leaf);
            registers[index++] = eax;
            registers[index++] = ebx;
            registers[index++] = ecx;
            registers[index++] = edx;
        }
        return Text(System.Runtime.InteropServices.MemoryMarshal.AsBytes(registers)).Trim();
    }

    private static string Registers(int first, int second, int third)
    {
        Span<int> registers = [first, second, third];
        return Text(System.Runtime.InteropServices.MemoryMarshal.AsBytes(registers));
    }

    // CPUID strings are ASCII padded with NULs; anything else is replaced so the JSON stays printable.
    private static string Text(ReadOnlySpan<byte> bytes)
    {
        var builder = new StringBuilder(bytes.Length);
        foreach (byte value in bytes)
        {
            if (value != 0)
            {
                builder.Append(value is >= 0x20 and < 0x7F ? (char)value : '?');
            }
        }
        return builder.ToString();
    }

    // Leaves above 0x7FFFFFFF are negative as the int the intrinsic takes.
    private static (int Eax, int Ebx, int Ecx, int Edx) Leaf(uint leaf) => X86Base.CpuId(unchecked((int)leaf), 0);

    private static bool IsSet(int register, int bit) => (register & (1 << bit)) != 0;
}
