using System.Runtime.CompilerServices;
using SparseVirt.Hypervisor;
using SparseVirt.Hypervisor.Collection.KvmTrial;
using SparseVirt.Hypervisor.Collection.MacOS;
using SparseVirt.Interop;

namespace SparseVirt.Tests.Hypervisor;

/// <summary>
/// The HVF trial's exit handling (Apple silicon), driven with exits whose syndromes are built as the Arm
/// Architecture Reference Manual lays out ESR_EL2 (no Mac is reachable here).
/// </summary>
public class HvfTrialTests
{
    [Test]
    public void TheSyndromeOfAStoreNamesItsRegisterAndSize()
    {
        var syndrome = new HvfTrialExits.Syndrome(StoreSyndrome(register: 5));
        Assert.Multiple(() =>
        {
            Assert.That(Unsafe.SizeOf<HvVcpuExit>(), Is.EqualTo(32), "reason, then syndrome, virtual and physical address from offset 8");
            Assert.That(syndrome.ExceptionClass, Is.EqualTo(HvfTrialExits.ExceptionClassDataAbort));
            Assert.That(syndrome.IsReadableStore, Is.True);
            Assert.That(syndrome.Register, Is.EqualTo(5));
            Assert.That(syndrome.AccessBytes, Is.EqualTo(8));
            Assert.That(new HvfTrialExits.Syndrome(StoreSyndrome(0) & ~(1UL << 24)).IsReadableStore, Is.False, "without ISV the register is unknown");
        });
    }

    [Test]
    public void ARunAsWrittenCompletes()
    {
        KvmTrialFacts facts = RunAsWritten();

        Assert.Multiple(() =>
        {
            Assert.That(facts.Completed, Is.True, facts.Failure);
            Assert.That(facts.Exits[^1].Syndrome, Is.EqualTo(HvcSyndrome));
            Assert.That(facts.Exits[0].Reason, Is.EqualTo("exception"));
            Assert.That(facts.Exits[0].Address, Is.EqualTo(Arm64TrialProgram.ResultWindow));
        });
    }

    [Test]
    public void AnHvcOtherThanSystemOffOrAnotherExceptionFails()
    {
        List<(int Port, ulong Value, double At)> outputs = TrialScript.Arm64Outputs(4, 6);
        KvmTrialFacts otherCall = Run(outputs, Exception(HvcSyndrome), x0: 0x84000009, TrialScript.Arm64MemoryAfterRun());
        KvmTrialFacts undefined = Run(outputs.Take(9).ToList(), Exception(0x00UL << 26 | 1UL << 25), x0: 0, TrialScript.Arm64MemoryAfterRun(), pc: Arm64TrialProgram.CodeAddress + 0x44);
        KvmTrialFacts canceled = Run(outputs.Take(3).ToList(), new HvVcpuExit { Reason = HvArm64.ExitCanceled }, x0: 0, TrialScript.Arm64MemoryAfterRun());

        Assert.Multiple(() =>
        {
            Assert.That(otherCall.Completed, Is.False);
            Assert.That(otherCall.Failure, Does.Contain("exception class 0x16 (HVC)"));
            Assert.That(undefined.Failure, Does.Contain("exception class 0x00 (unknown reason)").And.Contain("at mrs x1, MIDR_EL1 (guest PC 0x1044)"));
            Assert.That(canceled.TimedOut, Is.True);
        });
    }

    /// <summary>The facts of an HVF run of the program at hardware speed, for the seam tests and the fixtures.</summary>
    internal static KvmTrialFacts RunAsWritten() =>
        Run(TrialScript.Arm64Outputs(exitMicroseconds: 4, loopMicroseconds: 6), Exception(HvcSyndrome), Arm64TrialProgram.PsciSystemOff, TrialScript.Arm64MemoryAfterRun());

    // EC 0x16 (HVC64), IL 1, immediate 0.
    private const ulong HvcSyndrome = 0x16UL << 26 | 1UL << 25;

    // EC 0x24 (data abort, lower EL), IL, ISV, SAS 3 (8 bytes), SRT, WnR.
    private static ulong StoreSyndrome(int register) => 0x24UL << 26 | 1UL << 25 | 1UL << 24 | 3UL << 22 | (ulong)register << 16 | 1UL << 6;

    private static HvVcpuExit Exception(ulong syndrome, ulong physicalAddress = 0) =>
        new() { Reason = HvArm64.ExitException, Syndrome = syndrome, PhysicalAddress = physicalAddress };

    private static KvmTrialFacts Run(List<(int Port, ulong Value, double At)> outputs, HvVcpuExit last, ulong x0, byte[] memory, ulong pc = Arm64TrialProgram.CodeAddress + 0x84)
    {
        (KvmTrialRecorder recorder, TrialRun run) = TrialScript.Start(Arm64TrialProgram.Shape);
        double at = 0;
        foreach ((int port, ulong value, double when) in outputs)
        {
            at = when;
            HvVcpuExit store = Exception(StoreSyndrome(1), Arm64TrialProgram.ResultWindow + (ulong)port);
            (TrialStep step, bool stepOver) = HvfTrialExits.Judge(run, store, value, Arm64TrialProgram.CodeAddress + 4, x0: 0, TrialScript.Ticks(when), memory);
            if (step != TrialStep.Enter || !stepOver)
            {
                return recorder.Snapshot();
            }
        }
        HvfTrialExits.Judge(run, last, 0, pc, x0, TrialScript.Ticks(at + 1), memory);
        return recorder.Snapshot();
    }
}
