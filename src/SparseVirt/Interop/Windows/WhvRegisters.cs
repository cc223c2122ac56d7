using System.Runtime.InteropServices;

namespace SparseVirt.Interop;

/// <summary>
/// <c>WHV_REGISTER_VALUE</c> (WinHvPlatformDefs.h): a 16-byte union, 16-byte aligned in arrays. The trial writes
/// 64-bit registers (<see cref="Low"/>), segments (<see cref="Segment"/>) and descriptor tables (<see cref="Table"/>).
/// </summary>
[StructLayout(LayoutKind.Explicit, Size = 16)]
internal struct WhvRegisterValue
{
    [FieldOffset(0)]
    public ulong Low;

    [FieldOffset(8)]
    public ulong High;

    /// <summary><c>WHV_X64_SEGMENT_REGISTER</c>: <c>UINT64 Base; UINT32 Limit; UINT16 Selector; UINT16 Attributes</c>.</summary>
    public static WhvRegisterValue Segment(ulong segmentBase, uint limit, ushort selector, ushort attributes) =>
        new() { Low = segmentBase, High = limit | ((ulong)selector << 32) | ((ulong)attributes << 48) };

    /// <summary><c>WHV_X64_TABLE_REGISTER</c>: <c>UINT16 Pad[3]; UINT16 Limit; UINT64 Base</c>.</summary>
    public static WhvRegisterValue Table(ulong tableBase, ushort limit) => new() { Low = (ulong)limit << 48, High = tableBase };
}

/// <summary>The <c>WHV_REGISTER_NAME</c>s, exit reasons and layout offsets the trial uses (WinHvPlatformDefs.h).</summary>
internal static class WhvX64
{
    public const uint Rsp = 0x04, Rip = 0x10, Rflags = 0x11;
    public const uint Es = 0x12, Cs = 0x13, Ss = 0x14, Ds = 0x15, Fs = 0x16, Gs = 0x17, Tr = 0x19, Gdtr = 0x1B;
    public const uint Cr0 = 0x1C, Cr3 = 0x1E, Cr4 = 0x1F, Efer = 0x2001;

    /// <summary><c>WHV_MAP_GPA_RANGE_FLAGS</c>: read, write and execute.</summary>
    public const uint MapReadWriteExecute = 0x1 | 0x2 | 0x4;

    /// <summary><c>sizeof(WHV_RUN_VP_EXIT_CONTEXT)</c>.</summary>
    public const int ExitContextSize = 224;

    // WHV_RUN_VP_EXIT_CONTEXT: ExitReason (UINT32) at 0, then WHV_VP_EXIT_CONTEXT at 8 (ExecutionState UINT16,
    // InstructionLength:4 and Cr8:4 in one byte at 10, Cs at 16, Rip at 32, Rflags at 40), then the union at 48.
    public const int ExitReasonOffset = 0, InstructionLengthOffset = 10, RipOffset = 32, UnionOffset = 48;

    // WHV_X64_IO_PORT_ACCESS_CONTEXT in the union: InstructionByteCount, Reserved[3], InstructionBytes[16],
    // AccessInfo (UINT32: IsWrite:1, AccessSize:3, StringOp:1, RepPrefix:1) at 20, PortNumber at 24, Rax at 32.
    public const int IoAccessInfoOffset = UnionOffset + 20, IoPortOffset = UnionOffset + 24, IoRaxOffset = UnionOffset + 32;

    // WHV_MEMORY_ACCESS_CONTEXT: the same 20 bytes of instruction, AccessInfo at 20, Gpa at 24, Gva at 32.
    public const int MemoryGpaOffset = UnionOffset + 24;

    public const uint ExitNone = 0, ExitMemoryAccess = 1, ExitIoPortAccess = 2, ExitUnrecoverableException = 4, ExitInvalidVpRegisterValue = 5,
        ExitUnsupportedFeature = 6, ExitInterruptWindow = 7, ExitHalt = 8, ExitApicEoi = 9, ExitMsrAccess = 0x1000, ExitCpuid = 0x1001,
        ExitException = 0x1002, ExitCanceled = 0x2001;

    /// <summary>The <c>WHvRunVpExitReason</c> names without the prefix, first letter lower case.</summary>
    public static string ExitName(uint reason) => reason switch
    {
        ExitNone => "none",
        ExitMemoryAccess => "memoryAccess",
        ExitIoPortAccess => "x64IoPortAccess",
        ExitUnrecoverableException => "unrecoverableException",
        ExitInvalidVpRegisterValue => "invalidVpRegisterValue",
        ExitUnsupportedFeature => "unsupportedFeature",
        ExitInterruptWindow => "x64InterruptWindow",
        ExitHalt => "x64Halt",
        ExitApicEoi => "x64ApicEoi",
        ExitMsrAccess => "x64MsrAccess",
        ExitCpuid => "x64Cpuid",
        ExitException => "exception",
        ExitCanceled => "canceled",
        _ => "reason_0x" + reason.ToString("X", System.Globalization.CultureInfo.InvariantCulture),
    };
}
