using System.Runtime.InteropServices;
using SparseVirt.Interop;

namespace SparseVirt.Hypervisor.Collection.KvmTrial;

// Set-up of the vCPU: CPUID, and the registers that put it in long mode with paging.
internal sealed unsafe partial class X86KvmTrial
{
    protected override bool ConfigureVcpu(int vcpu)
    {
        // Without a CPUID table the guest's CPUID answers nothing and KVM may refuse what depends on it; a failure
        // here is recorded and the trial goes on, as the guest then shows what that costs.
        SetCpuid(vcpu);

        KvmSpecialRegisters special;
        if (!Call("KVM_GET_SREGS", vcpu, KvmIoctl.GetSpecialRegisters, (nint)(&special), out _))
        {
            return false;
        }
        ConfigureLongMode(ref special);
        if (!Call("KVM_SET_SREGS", vcpu, KvmIoctl.SetSpecialRegisters, (nint)(&special), out _))
        {
            return false;
        }
        var registers = new KvmRegisters { Rip = X86TrialProgram.CodeAddress, Rsp = X86TrialProgram.StackTop, Rflags = 2 };
        return Call("KVM_SET_REGS", vcpu, KvmIoctl.SetRegisters, (nint)(&registers), out _);
    }

    private void SetCpuid(int vcpu)
    {
        for (int entries = 128; entries <= MaxCpuidEntries; entries *= 2)
        {
            int size = 8 + (entries * 40);
            byte* table = (byte*)NativeMemory.AllocZeroed((nuint)size);
            try
            {
                *(uint*)table = (uint)entries;
                int result = Libc.Ioctl(device, KvmIoctl.GetSupportedCpuid, (nint)table);
                if (result < 0)
                {
                    SystemCallOutcome failure = SystemCallResults.FromLastError();
                    if (failure.Errno == Errno.E2BIG && entries < MaxCpuidEntries)
                    {
                        continue;
                    }
                    Recorder.Step("KVM_GET_SUPPORTED_CPUID", failure);
                    return;
                }
                Recorder.Step("KVM_GET_SUPPORTED_CPUID", SystemCallOutcome.Success(*(uint*)table));
                Call("KVM_SET_CPUID2", vcpu, KvmIoctl.SetCpuid2, (nint)table, out _, failIsFatal: false);
                return;
            }
            finally
            {
                NativeMemory.Free(table);
            }
        }
    }

    private static void ConfigureLongMode(ref KvmSpecialRegisters special)
    {
        special.Cr3 = X86TrialProgram.Pml4Address;
        special.Cr4 = X86TrialProgram.Cr4;
        special.Cr0 = X86TrialProgram.Cr0;
        special.Efer = X86TrialProgram.Efer;
        special.Gdt = new KvmDescriptorTable { Base = X86TrialProgram.GdtAddress, Limit = X86TrialProgram.GdtLimit };

        var code = new KvmSegment
        {
            Base = 0, Limit = 0xFFFFFFFF, Selector = 0x08, Type = 11, Present = 1, DescriptorPrivilegeLevel = 0, DefaultSize = 0, System = 1, LongMode = 1, Granularity = 1,
        };
        KvmSegment data = code with { Selector = 0x10, Type = 3, DefaultSize = 1, LongMode = 0 };
        special.Cs = code;
        special.Ds = special.Es = special.Fs = special.Gs = special.Ss = data;
    }
}
