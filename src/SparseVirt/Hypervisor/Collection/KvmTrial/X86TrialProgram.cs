using System.Buffers.Binary;

namespace SparseVirt.Hypervisor.Collection.KvmTrial;

/// <summary>
/// The x86-64 trial guest: its memory image (page tables, GDT, code, data) and how to read what it reports. It
/// starts in long mode with paging at CPL 0, set up directly through <c>KVM_SET_SREGS</c>, and does what a kernel
/// does at boot: CPUID, CR4 and CR3 writes, WRMSR/RDMSR of <c>IA32_LSTAR</c> and a locked 16-byte compare-exchange
/// (Linux needs <c>cmpxchg16b</c> for its per-CPU and SLUB fast paths). Each result leaves through an <c>out</c> to
/// its own port, so the host checks it; a timed loop tells hardware virtualization from instruction emulation.
/// </summary>
/// <remarks>
/// The code was assembled with GNU as from the listing in <see cref="Instructions"/>; a test disassembles
/// <see cref="Code"/> with objdump and compares it with that listing, so bytes and words cannot drift apart.
/// </remarks>
internal static class X86TrialProgram
{
    /// <summary>The program as <see cref="TrialRun"/> sees it.</summary>
    public static ITrialProgram Shape { get; } = new ShapeOfProgram();

    public const string Description =
        "x86-64 long mode with 4-level paging at CPL 0, set through KVM_SET_SREGS; 4 port-I/O exits (exit cost), " +
        "2 rounds of a 5,000-iteration dec/jnz loop, CPUID, CR4 and CR3 writes, WRMSR/RDMSR IA32_LSTAR, LOCK CMPXCHG16B on guest memory, HLT";

    /// <summary>The exits the program makes: 4 timing, 2 rounds of 2 loop marks, 4 results, then HLT.</summary>
    public const int ExitCount = 13;

    /// <summary>Guest memory: 64 KiB at guest-physical 0, identity-mapped by one 2 MiB page.</summary>
    public const int MemorySize = 0x10000;

    public const ulong GdtAddress = 0x500;
    public const ulong Pml4Address = 0x1000;
    public const ulong PdptAddress = 0x2000;
    public const ulong PageDirectoryAddress = 0x3000;
    public const ulong CodeAddress = 0x4000;
    public const ulong DataAddress = 0x5000;
    public const ulong StackTop = 0x8000;

    /// <summary>CR0 of long mode with paging: PE, MP, ET, NE, WP, AM and PG, as Linux sets them.</summary>
    public const ulong Cr0 = 0x1 | 0x2 | 0x10 | 0x20 | 0x10000 | 0x40000 | 0x80000000;

    /// <summary>CR4 at entry: PAE, which long mode requires.</summary>
    public const ulong Cr4 = 0x20;

    /// <summary>EFER at entry: LME and LMA (long mode enabled and active).</summary>
    public const ulong Efer = 0x100 | 0x400;

    /// <summary>The GDT's limit: three 8-byte descriptors, less one.</summary>
    public const ushort GdtLimit = 23;

    /// <summary>Iterations of each timed loop round.</summary>
    public const int LoopIterations = 5000;

    /// <summary>How many consecutive <c>out</c>s time one exit.</summary>
    public const int TimingExits = 4;

    public const int PortExitTiming = 0x14;
    public const int PortLoopStart = 0x12;
    public const int PortLoopEnd = 0x13;
    public const int PortCpuid = 0x15;
    public const int PortControlRegisters = 0x16;
    public const int PortMsr = 0x17;
    public const int PortCompareExchange = 0x18;

    /// <summary>The value the guest writes to IA32_LSTAR and must read back.</summary>
    public const uint LstarValue = 0x00401000;

    /// <summary>The 16 bytes at <see cref="DataAddress"/> before the compare-exchange (RDX:RAX must equal them).</summary>
    public const ulong ExpectedLow = 0x0123456789ABCDEF, ExpectedHigh = 0x0FEDCBA987654321;

    /// <summary>What the compare-exchange stores there (RCX:RBX).</summary>
    public const ulong StoredLow = 0x1111111122222222, StoredHigh = 0x3333333344444444;

    /// <summary>CR4 bits the guest sets (OSFXSR, OSXMMEXCPT), which every x86-64 kernel sets at boot, and PAE, already on.</summary>
    public const uint Cr4BitsSet = 0x600 | 0x20;

    /// <summary>The program, with the offset and the disassembly of each instruction (objdump's AT&amp;T syntax).</summary>
    public static IReadOnlyList<(int Offset, string Text)> Instructions { get; } =
    [
        (0x00, "out %eax,$0x14"), (0x02, "out %eax,$0x14"), (0x04, "out %eax,$0x14"), (0x06, "out %eax,$0x14"),
        (0x08, "out %eax,$0x12"), (0x0a, "mov $0x1388,%ecx"), (0x0f, "dec %ecx"), (0x11, "jne 0xf"), (0x13, "out %eax,$0x13"),
        (0x15, "out %eax,$0x12"), (0x17, "mov $0x1388,%ecx"), (0x1c, "dec %ecx"), (0x1e, "jne 0x1c"), (0x20, "out %eax,$0x13"),
        (0x22, "xor %eax,%eax"), (0x24, "cpuid"), (0x26, "out %eax,$0x15"),
        (0x28, "mov %cr4,%rax"), (0x2b, "or $0x600,%eax"), (0x30, "mov %rax,%cr4"), (0x33, "mov %cr3,%rax"), (0x36, "mov %rax,%cr3"),
        (0x39, "mov %cr4,%rax"), (0x3c, "out %eax,$0x16"),
        (0x3e, "mov $0xc0000082,%ecx"), (0x43, "mov $0x401000,%eax"), (0x48, "xor %edx,%edx"), (0x4a, "wrmsr"), (0x4c, "xor %eax,%eax"),
        (0x4e, "rdmsr"), (0x50, "out %eax,$0x17"),
        (0x52, "mov $0x5000,%edi"), (0x57, "movabs $0x123456789abcdef,%rax"), (0x61, "movabs $0xfedcba987654321,%rdx"),
        (0x6b, "movabs $0x1111111122222222,%rbx"), (0x75, "movabs $0x3333333344444444,%rcx"), (0x7f, "lock cmpxchg16b (%rdi)"),
        (0x84, "sete %al"), (0x87, "movzbl %al,%eax"), (0x8a, "out %eax,$0x18"), (0x8c, "hlt"),
    ];

    /// <summary>The machine code, loaded at <see cref="CodeAddress"/>.</summary>
    public static ReadOnlySpan<byte> Code =>
    [
        0xe7, 0x14, 0xe7, 0x14, 0xe7, 0x14, 0xe7, 0x14, 0xe7, 0x12, 0xb9, 0x88,
        0x13, 0x00, 0x00, 0xff, 0xc9, 0x75, 0xfc, 0xe7, 0x13, 0xe7, 0x12, 0xb9,
        0x88, 0x13, 0x00, 0x00, 0xff, 0xc9, 0x75, 0xfc, 0xe7, 0x13, 0x31, 0xc0,
        0x0f, 0xa2, 0xe7, 0x15, 0x0f, 0x20, 0xe0, 0x0d, 0x00, 0x06, 0x00, 0x00,
        0x0f, 0x22, 0xe0, 0x0f, 0x20, 0xd8, 0x0f, 0x22, 0xd8, 0x0f, 0x20, 0xe0,
        0xe7, 0x16, 0xb9, 0x82, 0x00, 0x00, 0xc0, 0xb8, 0x00, 0x10, 0x40, 0x00,
        0x31, 0xd2, 0x0f, 0x30, 0x31, 0xc0, 0x0f, 0x32, 0xe7, 0x17, 0xbf, 0x00,
        0x50, 0x00, 0x00, 0x48, 0xb8, 0xef, 0xcd, 0xab, 0x89, 0x67, 0x45, 0x23,
        0x01, 0x48, 0xba, 0x21, 0x43, 0x65, 0x87, 0xa9, 0xcb, 0xed, 0x0f, 0x48,
        0xbb, 0x22, 0x22, 0x22, 0x22, 0x11, 0x11, 0x11, 0x11, 0x48, 0xb9, 0x44,
        0x44, 0x44, 0x44, 0x33, 0x33, 0x33, 0x33, 0xf0, 0x48, 0x0f, 0xc7, 0x0f,
        0x0f, 0x94, 0xc0, 0x0f, 0xb6, 0xc0, 0xe7, 0x18, 0xf4,
    ];

    /// <summary>Writes page tables, GDT, code and data into the guest's memory (zeroed, <see cref="MemorySize"/> bytes).</summary>
    public static void Load(Span<byte> memory)
    {
        const ulong Present = 1, Writable = 2, LargePage = 0x80;
        BinaryPrimitives.WriteUInt64LittleEndian(memory[(int)Pml4Address..], PdptAddress | Present | Writable);
        BinaryPrimitives.WriteUInt64LittleEndian(memory[(int)PdptAddress..], PageDirectoryAddress | Present | Writable);
        BinaryPrimitives.WriteUInt64LittleEndian(memory[(int)PageDirectoryAddress..], 0 | Present | Writable | LargePage);

        // Null, 64-bit code (selector 0x08) and data (0x10) descriptors, as the segment registers are set.
        BinaryPrimitives.WriteUInt64LittleEndian(memory[(int)(GdtAddress + 8)..], 0x00AF9B000000FFFF);
        BinaryPrimitives.WriteUInt64LittleEndian(memory[(int)(GdtAddress + 16)..], 0x00CF93000000FFFF);

        Code.CopyTo(memory[(int)CodeAddress..]);
        BinaryPrimitives.WriteUInt64LittleEndian(memory[(int)DataAddress..], ExpectedLow);
        BinaryPrimitives.WriteUInt64LittleEndian(memory[(int)(DataAddress + 8)..], ExpectedHigh);
    }

    /// <summary>The instruction at a guest address, for naming where a failure happened; null outside the code.</summary>
    public static string? InstructionAt(ulong guestAddress)
    {
        if (guestAddress < CodeAddress || guestAddress >= CodeAddress + (ulong)Code.Length)
        {
            return null;
        }
        int offset = (int)(guestAddress - CodeAddress);
        string? found = null;
        foreach ((int start, string text) in Instructions)
        {
            if (start <= offset)
            {
                found = text;
            }
        }
        return found;
    }

    /// <summary>The stage a port belongs to.</summary>
    public static string StageOf(int port) => port switch
    {
        PortExitTiming => "exit timing",
        PortLoopStart or PortLoopEnd => "loop",
        PortCpuid => "cpuid",
        PortControlRegisters => "control registers",
        PortMsr => "msr",
        PortCompareExchange => "lock cmpxchg16b",
        _ => "unknown port",
    };

    /// <summary>
    /// Checks a result the guest reported: null when right, else what is wrong. <paramref name="memory"/> is the
    /// guest's memory as it is after the exit.
    /// </summary>
    public static string? CheckResult(int port, uint value, ReadOnlySpan<byte> memory) => port switch
    {
        PortCpuid when value == 0 => "CPUID leaf 0 reported no basic leaves (EAX 0)",
        PortControlRegisters when (value & Cr4BitsSet) != Cr4BitsSet => $"CR4 reads back 0x{value:X} after setting OSFXSR and OSXMMEXCPT with PAE on",
        PortMsr when value != LstarValue => $"RDMSR IA32_LSTAR returned 0x{value:X8} after WRMSR 0x{LstarValue:X8}",
        PortCompareExchange when value != 1 => "lock cmpxchg16b reported a mismatch (ZF clear) on matching memory",
        PortCompareExchange when BinaryPrimitives.ReadUInt64LittleEndian(memory[(int)DataAddress..]) != StoredLow
            || BinaryPrimitives.ReadUInt64LittleEndian(memory[(int)(DataAddress + 8)..]) != StoredHigh => "lock cmpxchg16b reported success but did not store RCX:RBX",
        _ => null,
    };

    private sealed class ShapeOfProgram : ITrialProgram
    {
        public string Description => X86TrialProgram.Description;

        public string Architecture => "x64";

        public int MemorySize => X86TrialProgram.MemorySize;

        public int LoopIterations => X86TrialProgram.LoopIterations;

        public int ExitCount => X86TrialProgram.ExitCount;

        public int ExitTimingPort => PortExitTiming;

        public int LoopStartPort => PortLoopStart;

        public int LoopEndPort => PortLoopEnd;

        public int LastResultPort => PortCompareExchange;

        public void Load(Span<byte> memory) => X86TrialProgram.Load(memory);

        public string StageOf(int port) => X86TrialProgram.StageOf(port);

        public string? CheckResult(int port, ulong value, ReadOnlySpan<byte> memory) => X86TrialProgram.CheckResult(port, (uint)value, memory);

        public string? InstructionAt(ulong guestAddress) => X86TrialProgram.InstructionAt(guestAddress);
    }
}
