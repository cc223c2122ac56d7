using System.Runtime.InteropServices;
using SparseVirt.Interop;

namespace SparseVirt.Hypervisor.Collection.KvmTrial;

// Set-up: guest memory, the vCPU and its run area, CPUID, and the registers that put it in long mode with paging.
internal sealed unsafe partial class X86KvmTrial
{
    /// <summary>The set-up calls; the vCPU's descriptor, or -1 when one failed (recorded).</summary>
    private int SetUp(nint memory)
    {
        var region = new KvmUserspaceMemoryRegion { Slot = 0, GuestPhysicalAddress = 0, MemorySize = X86TrialProgram.MemorySize, UserspaceAddress = (ulong)memory };
        if (!Call("KVM_SET_USER_MEMORY_REGION", vm, KvmIoctl.SetUserMemoryRegion, (nint)(&region), out _))
        {
            return -1;
        }
        if (!Call("KVM_CREATE_VCPU", vm, KvmIoctl.CreateVcpu, 0, out int vcpu))
        {
            return -1;
        }
        nint runArea = Libc.Mmap(0, (nuint)runAreaSize, Libc.ProtectReadWrite, Libc.MapShared, vcpu, 0);
        if (runArea == Libc.MapFailed)
        {
            recorder.StepFailed("mmap(vcpu run area)", SystemCallResults.FromLastError());
            return Closed(vcpu);
        }
        lock (_stopGate)
        {
            _runArea = (byte*)runArea;
            if (_stopRequested)
            {
                _runArea[KvmRunLayout.ImmediateExit] = 1;
            }
        }
        recorder.Step("mmap(vcpu run area)", SystemCallOutcome.Success(runAreaSize));

        // Without a CPUID table the guest's CPUID answers nothing and KVM may refuse what depends on it; a failure
        // here is recorded and the trial goes on, as the guest then shows what that costs.
        SetCpuid(vcpu);

        KvmSpecialRegisters special;
        if (!Call("KVM_GET_SREGS", vcpu, KvmIoctl.GetSpecialRegisters, (nint)(&special), out _))
        {
            return Closed(vcpu);
        }
        ConfigureLongMode(ref special);
        if (!Call("KVM_SET_SREGS", vcpu, KvmIoctl.SetSpecialRegisters, (nint)(&special), out _))
        {
            return Closed(vcpu);
        }
        var registers = new KvmRegisters { Rip = X86TrialProgram.CodeAddress, Rsp = X86TrialProgram.StackTop, Rflags = 2 };
        if (!Call("KVM_SET_REGS", vcpu, KvmIoctl.SetRegisters, (nint)(&registers), out _))
        {
            return Closed(vcpu);
        }
        return vcpu;
    }

    private int Closed(int vcpu)
    {
        // The run area, if mapped, is unmapped by Execute; the descriptor is closed here since Execute never sees it.
        Libc.Close(vcpu);
        return -1;
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
                    recorder.Step("KVM_GET_SUPPORTED_CPUID", failure);
                    return;
                }
                recorder.Step("KVM_GET_SUPPORTED_CPUID", SystemCallOutcome.Success(*(uint*)table));
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
        const ulong ProtectionEnable = 1, MonitorCoprocessor = 2, ExtensionType = 0x10, NumericError = 0x20, WriteProtect = 0x10000,
            AlignmentMask = 0x40000, Paging = 0x80000000;
        const ulong PhysicalAddressExtension = 0x20, LongModeEnable = 0x100, LongModeActive = 0x400;

        special.Cr3 = X86TrialProgram.Pml4Address;
        special.Cr4 = PhysicalAddressExtension;
        special.Cr0 = ProtectionEnable | MonitorCoprocessor | ExtensionType | NumericError | WriteProtect | AlignmentMask | Paging;
        special.Efer = LongModeEnable | LongModeActive;
        special.Gdt = new KvmDescriptorTable { Base = X86TrialProgram.GdtAddress, Limit = 23 };

        var code = new KvmSegment
        {
            Base = 0, Limit = 0xFFFFFFFF, Selector = 0x08, Type = 11, Present = 1, DescriptorPrivilegeLevel = 0, DefaultSize = 0, System = 1, LongMode = 1, Granularity = 1,
        };
        KvmSegment data = code with { Selector = 0x10, Type = 3, DefaultSize = 1, LongMode = 0 };
        special.Cs = code;
        special.Ds = special.Es = special.Fs = special.Gs = special.Ss = data;
    }
}
