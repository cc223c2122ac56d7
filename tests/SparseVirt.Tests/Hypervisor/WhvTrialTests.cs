using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using SparseVirt.Hypervisor;
using SparseVirt.Hypervisor.Collection.KvmTrial;
using SparseVirt.Hypervisor.Collection.Windows;
using SparseVirt.Interop;

namespace SparseVirt.Tests.Hypervisor;

/// <summary>
/// The WHPX trial's exit handling, driven with <c>WHV_RUN_VP_EXIT_CONTEXT</c>s laid out as Microsoft's
/// documentation gives them (no Windows Hypervisor Platform is reachable here; Wine has no WinHvPlatform.dll).
/// </summary>
public class WhvTrialTests
{
    [Test]
    public void TheWhpxStructuresHaveTheDocumentedLayout()
    {
        WhvRegisterValue code = WhvRegisterValue.Segment(0, 0xFFFFFFFF, 0x08, 0xA09B);
        WhvRegisterValue gdt = WhvRegisterValue.Table(0x500, 23);
        Assert.Multiple(() =>
        {
            Assert.That(Unsafe.SizeOf<WhvRegisterValue>(), Is.EqualTo(16));
            Assert.That(code.High, Is.EqualTo(0xA09B_0008_FFFF_FFFFUL), "Limit, then Selector, then Attributes");
            Assert.That(gdt.Low >> 48, Is.EqualTo(23UL), "Pad[3], then Limit");
            Assert.That(gdt.High, Is.EqualTo(0x500UL));
            Assert.That(WhvX64.IoPortOffset, Is.EqualTo(72));
            Assert.That(WhvX64.IoRaxOffset, Is.EqualTo(80));
        });
    }

    [Test]
    public void AnExitContextIsReadAsWinHvPlatformWritesIt()
    {
        byte[] context = Out(X86TrialProgram.PortMsr, X86TrialProgram.LstarValue | 0xFFFF_FFFF_0000_0000UL, rip: 0x4050);

        WhvTrialExits.Exit exit = WhvTrialExits.Decode(context);

        Assert.Multiple(() =>
        {
            Assert.That(exit.Reason, Is.EqualTo(WhvX64.ExitIoPortAccess));
            Assert.That(exit.Port, Is.EqualTo(X86TrialProgram.PortMsr));
            Assert.That(exit.IsWrite, Is.True);
            Assert.That(exit.AccessSize, Is.EqualTo(4));
            Assert.That(exit.Rip, Is.EqualTo(0x4050UL));
            Assert.That(exit.InstructionLength, Is.EqualTo(2));
        });
    }

    [Test]
    public void ARunAsWrittenCompletesAndStepsOverEachOut()
    {
        KvmTrialFacts facts = Run(TrialScript.X86Outputs(exitMicroseconds: 3, loopMicroseconds: 5), Exit(WhvX64.ExitHalt, rip: 0x408D), TrialScript.X86MemoryAfterRun(), out int steppedOver);

        Assert.Multiple(() =>
        {
            Assert.That(facts.Completed, Is.True, facts.Failure);
            Assert.That(facts.Architecture, Is.EqualTo("x64"));
            Assert.That(facts.Exits[^1].Reason, Is.EqualTo("x64Halt"));
            Assert.That(facts.Exits[0].Reason, Is.EqualTo("x64IoPortAccess"));
            Assert.That(steppedOver, Is.EqualTo(12), "RIP moves past every OUT");
            Assert.That(facts.LoopNanosecondsPerIteration, Is.EqualTo(0.4).Within(0.01));
        });
    }

    [Test]
    public void ARunThatFaultsOrIsCanceledFails()
    {
        List<(int Port, ulong Value, double At)> outputs = TrialScript.X86Outputs(3, 5);
        KvmTrialFacts tripleFault = Run(outputs.Take(11).ToList(), Exit(WhvX64.ExitUnrecoverableException, rip: 0x407F), TrialScript.X86MemoryAfterRun(), out _);
        KvmTrialFacts canceled = Run(outputs.Take(5).ToList(), Exit(WhvX64.ExitCanceled, rip: 0x4010), TrialScript.X86MemoryAfterRun(), out _);
        KvmTrialFacts read = Run([], Out(0x60, 0, rip: 0x4000, write: false), TrialScript.X86MemoryAfterRun(), out _);

        Assert.Multiple(() =>
        {
            Assert.That(tripleFault.Failure, Is.EqualTo("WHvRunVpExitReasonUnrecoverableException (a triple fault) at lock cmpxchg16b (%rdi) (guest RIP 0x407F)"));
            Assert.That(canceled.TimedOut, Is.True);
            Assert.That(canceled.FailedAt, Is.EqualTo("loop"));
            Assert.That(read.Failure, Does.Contain("port 0x60"));
        });
    }

    /// <summary>The facts of a WHPX run of the program at hardware speed, for the seam tests and the fixtures.</summary>
    internal static KvmTrialFacts RunAsWritten() =>
        Run(TrialScript.X86Outputs(exitMicroseconds: 3, loopMicroseconds: 5), Exit(WhvX64.ExitHalt, rip: 0x408D), TrialScript.X86MemoryAfterRun(), out _);

    private static KvmTrialFacts Run(List<(int Port, ulong Value, double At)> outputs, byte[] last, byte[] memory, out int steppedOver)
    {
        (KvmTrialRecorder recorder, TrialRun run) = TrialScript.Start(X86TrialProgram.Shape);
        steppedOver = 0;
        double at = 0;
        foreach ((int port, ulong value, double when) in outputs)
        {
            at = when;
            (TrialStep step, bool stepOver) = WhvTrialExits.Judge(run, WhvTrialExits.Decode(Out(port, value, rip: 0x4000)), TrialScript.Ticks(when), memory);
            steppedOver += stepOver ? 1 : 0;
            if (step != TrialStep.Enter)
            {
                return recorder.Snapshot();
            }
        }
        WhvTrialExits.Judge(run, WhvTrialExits.Decode(last), TrialScript.Ticks(at + 1), memory);
        return recorder.Snapshot();
    }

    // An exit context: the reason at 0, the two-byte instruction's length at 10, RIP at 32.
    private static byte[] Exit(uint reason, ulong rip)
    {
        byte[] context = new byte[WhvX64.ExitContextSize];
        BinaryPrimitives.WriteUInt32LittleEndian(context.AsSpan(WhvX64.ExitReasonOffset), reason);
        context[WhvX64.InstructionLengthOffset] = 2;
        BinaryPrimitives.WriteUInt64LittleEndian(context.AsSpan(WhvX64.RipOffset), rip);
        return context;
    }

    // An OUT (or IN) of 4 bytes: AccessInfo IsWrite in bit 0, AccessSize 4 in bits 1-3.
    private static byte[] Out(int port, ulong rax, ulong rip, bool write = true)
    {
        byte[] context = Exit(WhvX64.ExitIoPortAccess, rip);
        BinaryPrimitives.WriteUInt32LittleEndian(context.AsSpan(WhvX64.IoAccessInfoOffset), (write ? 1u : 0u) | (4u << 1));
        BinaryPrimitives.WriteUInt16LittleEndian(context.AsSpan(WhvX64.IoPortOffset), (ushort)port);
        BinaryPrimitives.WriteUInt64LittleEndian(context.AsSpan(WhvX64.IoRaxOffset), rax);
        return context;
    }
}
