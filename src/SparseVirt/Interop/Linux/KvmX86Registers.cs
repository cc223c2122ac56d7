using System.Runtime.InteropServices;

namespace SparseVirt.Interop;

/// <summary><c>struct kvm_segment</c> (linux/kvm.h, x86): 24 bytes.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct KvmSegment
{
    public ulong Base;
    public uint Limit;
    public ushort Selector;
    public byte Type;
    public byte Present;
    public byte DescriptorPrivilegeLevel;
    public byte DefaultSize;
    public byte System;
    public byte LongMode;
    public byte Granularity;
    public byte Available;
    public byte Unusable;
    public byte Padding;
}

/// <summary><c>struct kvm_dtable</c> (x86): a descriptor table's base and limit, 16 bytes.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct KvmDescriptorTable
{
    public ulong Base;
    public ushort Limit;
    public ushort Padding0;
    public ushort Padding1;
    public ushort Padding2;
}

/// <summary><c>struct kvm_sregs</c> (x86): segment, descriptor-table and control registers, 312 bytes.</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct KvmSpecialRegisters
{
    public KvmSegment Cs, Ds, Es, Fs, Gs, Ss, Tr, Ldt;
    public KvmDescriptorTable Gdt, Idt;
    public ulong Cr0, Cr2, Cr3, Cr4, Cr8, Efer, ApicBase;
    public fixed ulong InterruptBitmap[4];
}

/// <summary><c>struct kvm_regs</c> (x86-64): the general registers, RIP and RFLAGS, 144 bytes.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct KvmRegisters
{
    public ulong Rax, Rbx, Rcx, Rdx, Rsi, Rdi, Rsp, Rbp;
    public ulong R8, R9, R10, R11, R12, R13, R14, R15;
    public ulong Rip, Rflags;
}

/// <summary><c>struct kvm_userspace_memory_region</c>: 32 bytes.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct KvmUserspaceMemoryRegion
{
    public uint Slot;
    public uint Flags;
    public ulong GuestPhysicalAddress;
    public ulong MemorySize;
    public ulong UserspaceAddress;
}

/// <summary>Offsets into <c>struct kvm_run</c>, the vCPU's shared run area (the same on x86-64 and arm64).</summary>
internal static class KvmRunLayout
{
    /// <summary><c>__u8 immediate_exit</c>: when set, the next <c>KVM_RUN</c> returns at once with EINTR.</summary>
    public const int ImmediateExit = 1;

    /// <summary><c>__u32 exit_reason</c>.</summary>
    public const int ExitReason = 8;

    /// <summary>The union of per-exit details.</summary>
    public const int Details = 32;

    /// <summary><c>io</c>: <c>__u8 direction</c> (0 in, 1 out), <c>__u8 size</c>, <c>__u16 port</c>, <c>__u32 count</c>, <c>__u64 data_offset</c>.</summary>
    public const int IoDirection = Details, IoSize = Details + 1, IoPort = Details + 2, IoCount = Details + 4, IoDataOffset = Details + 8;

    /// <summary><c>internal</c>: <c>__u32 suberror</c>, <c>__u32 ndata</c>, <c>__u64 data[16]</c>.</summary>
    public const int InternalSuberror = Details, InternalDataCount = Details + 4, InternalData = Details + 8, InternalDataMax = 16;

    /// <summary><c>mmio</c>: <c>__u64 phys_addr</c>, <c>__u8 data[8]</c>, <c>__u32 len</c>, <c>__u8 is_write</c>.</summary>
    public const int MmioAddress = Details, MmioData = Details + 8, MmioLength = Details + 16, MmioIsWrite = Details + 20;

    /// <summary><c>system_event</c>: <c>__u32 type</c> (1 shutdown, 2 reset, 3 crash), then <c>ndata</c> and data.</summary>
    public const int SystemEventType = Details;

    /// <summary>The <c>KVM_EXIT_*</c> names by number (linux/kvm.h), lower case without the prefix.</summary>
    public static string ExitName(uint reason) => reason switch
    {
        0 => "unknown",
        1 => "exception",
        2 => "io",
        3 => "hypercall",
        4 => "debug",
        5 => "hlt",
        6 => "mmio",
        7 => "irq_window_open",
        8 => "shutdown",
        9 => "fail_entry",
        10 => "intr",
        16 => "nmi",
        17 => "internal_error",
        24 => "system_event",
        28 => "arm_nisv",
        29 => "x86_rdmsr",
        30 => "x86_wrmsr",
        33 => "x86_bus_lock",
        37 => "notify",
        39 => "memory_fault",
        _ => "reason_" + reason.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };

    public const uint ExitUnknown = 0, ExitIo = 2, ExitHalt = 5, ExitMmio = 6, ExitShutdown = 8, ExitFailEntry = 9, ExitInternalError = 17, ExitSystemEvent = 24;
}
