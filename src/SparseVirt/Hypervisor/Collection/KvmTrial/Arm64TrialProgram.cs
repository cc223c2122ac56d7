using System.Buffers.Binary;

namespace SparseVirt.Hypervisor.Collection.KvmTrial;

/// <summary>
/// The arm64 trial guest, for KVM on arm64 Linux and for Hypervisor.framework on Apple silicon. It starts at EL1
/// with the MMU off (the state <c>KVM_ARM_VCPU_INIT</c> resets a vCPU to, and the state a kernel's entry point is
/// given), reads system registers (<c>CurrentEL</c>, <c>MIDR_EL1</c>), writes <c>VBAR_EL1</c> and reads it back,
/// loads and stores guest memory, runs a timed loop, and ends with PSCI <c>SYSTEM_OFF</c> through <c>hvc #0</c>, as a
/// kernel powers off. Each result leaves through a store to an MMIO window outside guest memory (an MMIO exit on KVM,
/// a data abort on HVF), at an offset of its own, so the host checks it.
/// </summary>
/// <remarks>
/// The code was assembled with LLVM's assembler (<c>llvm-mc -triple=aarch64</c>) from the listing in
/// <see cref="Instructions"/>; a test disassembles <see cref="Code"/> with <c>llvm-mc --disassemble</c> and compares it
/// with that listing. By hand: <c>str xT, [x0, #imm]</c> is <c>0xF9000000 | imm/8 &lt;&lt; 10 | 0 &lt;&lt; 5 | T</c>
/// (an unsigned-offset store without writeback, so the abort's syndrome is valid: ISV 1, and KVM and HVF report
/// the stored register); <c>movz</c> is <c>0xD2800000 | hw &lt;&lt; 21 | imm16 &lt;&lt; 5 | d</c>; <c>b.ne #-4</c> is
/// <c>0x54FFFFE1</c>; <c>hvc #0</c> is <c>0xD4000002</c>.
/// </remarks>
internal static class Arm64TrialProgram
{
    /// <summary>The program as <see cref="TrialRun"/> sees it.</summary>
    public static ITrialProgram Shape { get; } = new ShapeOfProgram();

    public const string Description =
        "arm64 at EL1 with the MMU off, as KVM_ARM_VCPU_INIT resets it; 4 MMIO exits (exit cost), 2 rounds of a 5,000-iteration subs/b.ne loop, " +
        "MRS CurrentEL and MIDR_EL1, MSR/MRS VBAR_EL1, a load and store of guest memory, results as MMIO stores, PSCI SYSTEM_OFF through HVC";

    /// <summary>Guest memory: 64 KiB at guest-physical 0 (a multiple of Apple silicon's 16 KiB pages).</summary>
    public const int MemorySize = 0x10000;

    public const ulong CodeAddress = 0x1000;
    public const ulong DataAddress = 0x2000;

    /// <summary>The guest-physical window the results are stored to: outside every memory slot, so each store exits.</summary>
    public const ulong ResultWindow = 0x1000_0000;

    /// <summary>The window's size; a store beyond it is not the program's.</summary>
    public const ulong ResultWindowSize = 0x40;

    public const int LoopIterations = 5000;

    /// <summary>4 timing stores, 2 rounds of 2 loop marks, 4 results, then SYSTEM_OFF.</summary>
    public const int ExitCount = 13;

    public const int PortExitTiming = 0x00;
    public const int PortLoopStart = 0x08;
    public const int PortLoopEnd = 0x10;
    public const int PortCurrentEl = 0x18;
    public const int PortMidr = 0x20;
    public const int PortVbar = 0x28;
    public const int PortMemory = 0x30;

    /// <summary>The value the guest writes to VBAR_EL1 and must read back (2 KiB aligned, as the register requires).</summary>
    public const ulong VbarValue = 0x3000;

    /// <summary>The 8 bytes at <see cref="DataAddress"/> before the guest adds one to them.</summary>
    public const ulong DataValue = 0x0123456789ABCDEF;

    /// <summary>PSCI 0.2 <c>SYSTEM_OFF</c> (SMC32 calling convention), the function id the guest passes in x0.</summary>
    public const uint PsciSystemOff = 0x84000008;

    /// <summary>The program, with the offset and the disassembly of each instruction (llvm-mc's syntax).</summary>
    public static IReadOnlyList<(int Offset, string Text)> Instructions { get; } =
    [
        (0x00, "mov x0, #268435456"), (0x04, "str x0, [x0]"), (0x08, "str x0, [x0]"), (0x0c, "str x0, [x0]"), (0x10, "str x0, [x0]"),
        (0x14, "str x0, [x0, #8]"), (0x18, "mov x1, #5000"), (0x1c, "subs x1, x1, #1"), (0x20, "b.ne #-4"), (0x24, "str x0, [x0, #16]"),
        (0x28, "str x0, [x0, #8]"), (0x2c, "mov x1, #5000"), (0x30, "subs x1, x1, #1"), (0x34, "b.ne #-4"), (0x38, "str x0, [x0, #16]"),
        (0x3c, "mrs x1, CurrentEL"), (0x40, "str x1, [x0, #24]"), (0x44, "mrs x1, MIDR_EL1"), (0x48, "str x1, [x0, #32]"),
        (0x4c, "mov x1, #12288"), (0x50, "msr VBAR_EL1, x1"), (0x54, "isb"), (0x58, "mrs x2, VBAR_EL1"), (0x5c, "str x2, [x0, #40]"),
        (0x60, "mov x3, #8192"), (0x64, "ldr x4, [x3]"), (0x68, "add x4, x4, #1"), (0x6c, "str x4, [x3]"), (0x70, "ldr x5, [x3]"),
        (0x74, "str x5, [x0, #48]"), (0x78, "mov x0, #2214592512"), (0x7c, "movk x0, #8"), (0x80, "hvc #0"),
    ];

    /// <summary>The machine code (little-endian words), loaded at <see cref="CodeAddress"/>.</summary>
    public static ReadOnlySpan<byte> Code =>
    [
        0x00, 0x00, 0xa2, 0xd2, 0x00, 0x00, 0x00, 0xf9, 0x00, 0x00, 0x00, 0xf9, 0x00, 0x00, 0x00, 0xf9,
        0x00, 0x00, 0x00, 0xf9, 0x00, 0x04, 0x00, 0xf9, 0x01, 0x71, 0x82, 0xd2, 0x21, 0x04, 0x00, 0xf1,
        0xe1, 0xff, 0xff, 0x54, 0x00, 0x08, 0x00, 0xf9, 0x00, 0x04, 0x00, 0xf9, 0x01, 0x71, 0x82, 0xd2,
        0x21, 0x04, 0x00, 0xf1, 0xe1, 0xff, 0xff, 0x54, 0x00, 0x08, 0x00, 0xf9, 0x41, 0x42, 0x38, 0xd5,
        0x01, 0x0c, 0x00, 0xf9, 0x01, 0x00, 0x38, 0xd5, 0x01, 0x10, 0x00, 0xf9, 0x01, 0x00, 0x86, 0xd2,
        0x01, 0xc0, 0x18, 0xd5, 0xdf, 0x3f, 0x03, 0xd5, 0x02, 0xc0, 0x38, 0xd5, 0x02, 0x14, 0x00, 0xf9,
        0x03, 0x00, 0x84, 0xd2, 0x64, 0x00, 0x40, 0xf9, 0x84, 0x04, 0x00, 0x91, 0x64, 0x00, 0x00, 0xf9,
        0x65, 0x00, 0x40, 0xf9, 0x05, 0x18, 0x00, 0xf9, 0x00, 0x80, 0xb0, 0xd2, 0x00, 0x01, 0x80, 0xf2,
        0x02, 0x00, 0x00, 0xd4,
    ];

    /// <summary>Writes code and data into the guest's memory (zeroed, <see cref="MemorySize"/> bytes).</summary>
    public static void Load(Span<byte> memory)
    {
        Code.CopyTo(memory[(int)CodeAddress..]);
        BinaryPrimitives.WriteUInt64LittleEndian(memory[(int)DataAddress..], DataValue);
    }

    /// <summary>The instruction at a guest address; null outside the code or between instructions.</summary>
    public static string? InstructionAt(ulong guestAddress)
    {
        if (guestAddress < CodeAddress || guestAddress >= CodeAddress + (ulong)Code.Length || (guestAddress & 3) != 0)
        {
            return null;
        }
        return Instructions[(int)(guestAddress - CodeAddress) / 4].Text;
    }

    /// <summary>The result-window offset of a guest-physical address; null outside the window.</summary>
    public static int? PortOf(ulong guestPhysicalAddress) =>
        guestPhysicalAddress >= ResultWindow && guestPhysicalAddress < ResultWindow + ResultWindowSize ? (int)(guestPhysicalAddress - ResultWindow) : null;

    public static string StageOf(int port) => port switch
    {
        PortExitTiming => "exit timing",
        PortLoopStart or PortLoopEnd => "loop",
        PortCurrentEl => "mrs CurrentEL",
        PortMidr => "mrs MIDR_EL1",
        PortVbar => "msr/mrs VBAR_EL1",
        PortMemory => "memory",
        _ => "unknown port",
    };

    /// <summary>Checks a result the guest reported: null when right, else what is wrong.</summary>
    public static string? CheckResult(int port, ulong value, ReadOnlySpan<byte> memory) => port switch
    {
        // CurrentEL keeps the exception level in bits 3:2; the guest must run at EL1 as a kernel does.
        PortCurrentEl when value != 0x4 => $"CurrentEL reads 0x{value:X}, not EL1 (0x4)",
        PortMidr when (value & 0xFF000000) == 0 => $"MIDR_EL1 reads 0x{value:X}, with no implementer",
        PortVbar when value != VbarValue => $"VBAR_EL1 reads back 0x{value:X} after writing 0x{VbarValue:X}",
        PortMemory when value != DataValue + 1 => $"the guest loaded 0x{value:X} after adding one to 0x{DataValue:X} in its memory",
        PortMemory when BinaryPrimitives.ReadUInt64LittleEndian(memory[(int)DataAddress..]) != DataValue + 1 => "the guest's store to its memory did not reach it",
        _ => null,
    };

    private sealed class ShapeOfProgram : ITrialProgram
    {
        public string Description => Arm64TrialProgram.Description;

        public string Architecture => "arm64";

        public int MemorySize => Arm64TrialProgram.MemorySize;

        public int LoopIterations => Arm64TrialProgram.LoopIterations;

        public int ExitCount => Arm64TrialProgram.ExitCount;

        public int ExitTimingPort => PortExitTiming;

        public int LoopStartPort => PortLoopStart;

        public int LoopEndPort => PortLoopEnd;

        public int LastResultPort => PortMemory;

        public void Load(Span<byte> memory) => Arm64TrialProgram.Load(memory);

        public string StageOf(int port) => Arm64TrialProgram.StageOf(port);

        public string? CheckResult(int port, ulong value, ReadOnlySpan<byte> memory) => Arm64TrialProgram.CheckResult(port, value, memory);

        public string? InstructionAt(ulong guestAddress) => Arm64TrialProgram.InstructionAt(guestAddress);
    }
}
