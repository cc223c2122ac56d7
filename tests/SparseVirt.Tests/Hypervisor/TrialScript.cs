using System.Buffers.Binary;
using System.Diagnostics;
using SparseVirt.Hypervisor;
using SparseVirt.Hypervisor.Collection.KvmTrial;

namespace SparseVirt.Tests.Hypervisor;

/// <summary>
/// The exits a trial program makes when it runs as written, with the timings of a chosen host, for driving the
/// platforms' exit handling without a hypervisor: each output as (port, value, microseconds since the first entry).
/// </summary>
internal static class TrialScript
{
    /// <summary>A midr of an Arm Neoverse-N1 (implementer 0x41), as a Graviton2 reports it.</summary>
    public const ulong NeoverseMidr = 0x413FD0C1;

    public static long Ticks(double microseconds) => (long)(microseconds * Stopwatch.Frequency / 1_000_000);

    /// <summary>A trial's recorder and run state, its clock started at tick 0.</summary>
    public static (KvmTrialRecorder Recorder, TrialRun Run) Start(ITrialProgram program)
    {
        var recorder = new KvmTrialRecorder(program, TrialThread.Deadline);
        var run = new TrialRun(program, recorder);
        run.Start(0);
        return (recorder, run);
    }

    /// <summary>The arm64 program's outputs: an exit of <paramref name="exitMicroseconds"/>, a loop round of <paramref name="loopMicroseconds"/>.</summary>
    public static List<(int Port, ulong Value, double At)> Arm64Outputs(double exitMicroseconds, double loopMicroseconds) =>
        Outputs(
            exitMicroseconds,
            loopMicroseconds,
            (Arm64TrialProgram.PortExitTiming, Arm64TrialProgram.PortLoopStart, Arm64TrialProgram.PortLoopEnd),
            [(Arm64TrialProgram.PortCurrentEl, 4), (Arm64TrialProgram.PortMidr, NeoverseMidr), (Arm64TrialProgram.PortVbar, Arm64TrialProgram.VbarValue), (Arm64TrialProgram.PortMemory, Arm64TrialProgram.DataValue + 1)]);

    /// <summary>The x86-64 program's outputs (CPUID leaf 0 giving 0x16 basic leaves).</summary>
    public static List<(int Port, ulong Value, double At)> X86Outputs(double exitMicroseconds, double loopMicroseconds) =>
        Outputs(
            exitMicroseconds,
            loopMicroseconds,
            (X86TrialProgram.PortExitTiming, X86TrialProgram.PortLoopStart, X86TrialProgram.PortLoopEnd),
            [(X86TrialProgram.PortCpuid, 0x16), (X86TrialProgram.PortControlRegisters, 0x620), (X86TrialProgram.PortMsr, X86TrialProgram.LstarValue), (X86TrialProgram.PortCompareExchange, 1)]);

    /// <summary>Arm64 guest memory as it is after the guest's store: the data word plus one.</summary>
    public static byte[] Arm64MemoryAfterRun()
    {
        byte[] memory = new byte[Arm64TrialProgram.MemorySize];
        Arm64TrialProgram.Load(memory);
        BinaryPrimitives.WriteUInt64LittleEndian(memory.AsSpan((int)Arm64TrialProgram.DataAddress), Arm64TrialProgram.DataValue + 1);
        return memory;
    }

    /// <summary>x86-64 guest memory as it is after the compare-exchange stored RCX:RBX.</summary>
    public static byte[] X86MemoryAfterRun()
    {
        byte[] memory = new byte[X86TrialProgram.MemorySize];
        X86TrialProgram.Load(memory);
        BinaryPrimitives.WriteUInt64LittleEndian(memory.AsSpan((int)X86TrialProgram.DataAddress), X86TrialProgram.StoredLow);
        BinaryPrimitives.WriteUInt64LittleEndian(memory.AsSpan((int)X86TrialProgram.DataAddress + 8), X86TrialProgram.StoredHigh);
        return memory;
    }

    private static List<(int Port, ulong Value, double At)> Outputs(
        double exitMicroseconds, double loopMicroseconds, (int Timing, int LoopStart, int LoopEnd) ports, (int Port, ulong Value)[] results)
    {
        var outputs = new List<(int, ulong, double)>();
        double at = 0;
        void Add(int port, ulong value, double after)
        {
            at += after;
            outputs.Add((port, value, at));
        }
        for (int i = 0; i < 4; i++)
        {
            Add(ports.Timing, 0, i == 0 ? 20 : exitMicroseconds);
        }
        for (int round = 0; round < 2; round++)
        {
            Add(ports.LoopStart, 0, exitMicroseconds);
            Add(ports.LoopEnd, 0, loopMicroseconds);
        }
        foreach ((int port, ulong value) in results)
        {
            Add(port, value, exitMicroseconds + 0.5);
        }
        return outputs;
    }
}
