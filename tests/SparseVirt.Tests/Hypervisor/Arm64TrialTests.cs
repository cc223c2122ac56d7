using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Text.RegularExpressions;
using SparseVirt.Hypervisor;
using SparseVirt.Hypervisor.Collection.KvmTrial;
using SparseVirt.Interop;
using SparseVirt.Tests.Infrastructure;

namespace SparseVirt.Tests.Hypervisor;

/// <summary>
/// The arm64 trial guest (KVM on arm64 Linux, and HVF): its code against LLVM's disassembler, its checks, and the KVM
/// exit handling driven with decoded exits, since no arm64 host is reachable here.
/// </summary>
public partial class Arm64TrialTests
{
    [Test]
    public void TheArm64KvmInterfaceHasTheKernelsNumbersAndSizes()
    {
        Assert.Multiple(() =>
        {
            Assert.That(Unsafe.SizeOf<KvmVcpuInit>(), Is.EqualTo(32), "struct kvm_vcpu_init: target and features[7]");
            Assert.That(Unsafe.SizeOf<KvmOneRegister>(), Is.EqualTo(16), "struct kvm_one_reg: id and addr");
            Assert.That(KvmIoctl.ArmVcpuInit, Is.EqualTo(0x4020AEAEu), "_IOW(KVMIO, 0xae, struct kvm_vcpu_init)");
            Assert.That(KvmIoctl.ArmPreferredTarget, Is.EqualTo(0x8020AEAFu), "_IOR(KVMIO, 0xaf, struct kvm_vcpu_init)");
            Assert.That(KvmIoctl.SetOneRegister, Is.EqualTo(0x4010AEACu), "_IOW(KVMIO, 0xac, struct kvm_one_reg)");
            Assert.That(KvmIoctl.GetOneRegister, Is.EqualTo(0x4010AEABu), "_IOW(KVMIO, 0xab, struct kvm_one_reg)");
            Assert.That(KvmArm64.ProgramCounter, Is.EqualTo(0x6030000000100040UL), "KVM_REG_ARM64 | KVM_REG_SIZE_U64 | KVM_REG_ARM_CORE | 256/4");
        });
    }

    [Test]
    public void TheArm64ProgramIsWhatItsListingSays()
    {
        string llvmMc = ExternalTool.Require("llvm-mc", "llvm");
        using var folder = new TempDirectory();
        string input = Path.Combine(folder.FullPath, "trial.hex");
        File.WriteAllText(input, string.Join(' ', Arm64TrialProgram.Code.ToArray().Select(b => $"0x{b:x2}")));

        ToolResult result = ExternalTool.Run(llvmMc, ["-triple=aarch64", "--disassemble", input]);

        Assert.That(result.ExitCode, Is.EqualTo(0), result.Error);
        var disassembled = result.Output.Split('\n')
            .Select(line => Whitespace().Replace(line.Trim(), " "))
            .Where(line => line.Length > 0 && !line.StartsWith('.'))
            .ToList();
        Assert.That(disassembled, Is.EqualTo(Arm64TrialProgram.Instructions.Select(i => i.Text).ToList()));
        Assert.That(Arm64TrialProgram.Instructions.Select(i => i.Offset), Is.EqualTo(Enumerable.Range(0, Arm64TrialProgram.Code.Length / 4).Select(i => i * 4)));
    }

    [Test]
    public void TheHandDecodedEncodingsMatchTheCode()
    {
        uint Word(int offset) => BinaryPrimitives.ReadUInt32LittleEndian(Arm64TrialProgram.Code[offset..]);
        static uint Store(int register, int offset) => 0xF9000000u | (uint)(offset / 8) << 10 | (uint)register;
        Assert.Multiple(() =>
        {
            Assert.That(Word(0x00), Is.EqualTo(0xD2800000u | 1u << 21 | 0x1000u << 5), "movz x0, #0x1000, lsl #16");
            Assert.That(Word(0x14), Is.EqualTo(Store(0, 8)), "str x0, [x0, #8]");
            Assert.That(Word(0x74), Is.EqualTo(Store(5, 48)), "str x5, [x0, #48]");
            Assert.That(Word(0x20), Is.EqualTo(0x54FFFFE1u), "b.ne #-4");
            Assert.That(Word(0x80), Is.EqualTo(0xD4000002u), "hvc #0");
        });
    }

    [Test]
    public void TheHostChecksEveryResultTheGuestReports()
    {
        byte[] before = new byte[Arm64TrialProgram.MemorySize];
        Arm64TrialProgram.Load(before);
        byte[] after = TrialScript.Arm64MemoryAfterRun();
        Assert.Multiple(() =>
        {
            Assert.That(Arm64TrialProgram.CheckResult(Arm64TrialProgram.PortCurrentEl, 4, after), Is.Null);
            Assert.That(Arm64TrialProgram.CheckResult(Arm64TrialProgram.PortCurrentEl, 8, after), Does.Contain("not EL1"));
            Assert.That(Arm64TrialProgram.CheckResult(Arm64TrialProgram.PortMidr, 0xD0C1, after), Does.Contain("no implementer"));
            Assert.That(Arm64TrialProgram.CheckResult(Arm64TrialProgram.PortVbar, 0, after), Does.Contain("VBAR_EL1"));
            Assert.That(Arm64TrialProgram.CheckResult(Arm64TrialProgram.PortMemory, Arm64TrialProgram.DataValue + 1, after), Is.Null);
            Assert.That(Arm64TrialProgram.CheckResult(Arm64TrialProgram.PortMemory, Arm64TrialProgram.DataValue + 1, before), Does.Contain("did not reach"));
            Assert.That(Arm64TrialProgram.CheckResult(Arm64TrialProgram.PortMemory, Arm64TrialProgram.DataValue, after), Does.Contain("after adding one"));
            Assert.That(Arm64TrialProgram.PortOf(Arm64TrialProgram.ResultWindow + 0x30), Is.EqualTo(0x30));
            Assert.That(Arm64TrialProgram.PortOf(Arm64TrialProgram.ResultWindow + Arm64TrialProgram.ResultWindowSize), Is.Null);
            Assert.That(Arm64TrialProgram.InstructionAt(Arm64TrialProgram.CodeAddress + 0x50), Is.EqualTo("msr VBAR_EL1, x1"));
            Assert.That(Arm64TrialProgram.InstructionAt(Arm64TrialProgram.CodeAddress + 0x52), Is.Null, "between instructions");
        });
    }

    [Test]
    public void AKvmRunAsWrittenCompletesAtTheMeasuredSpeed()
    {
        KvmTrialFacts facts = RunKvm(TrialScript.Arm64Outputs(exitMicroseconds: 2, loopMicroseconds: 4), Shutdown(), memory: TrialScript.Arm64MemoryAfterRun());

        Assert.Multiple(() =>
        {
            Assert.That(facts.Completed, Is.True, facts.Failure);
            Assert.That(facts.Architecture, Is.EqualTo("arm64"));
            Assert.That(facts.Exits, Has.Count.EqualTo(Arm64TrialProgram.ExitCount));
            Assert.That(facts.Exits[^2].Stage, Is.EqualTo("memory"));
            Assert.That(facts.Exits[^2].Address, Is.EqualTo(Arm64TrialProgram.ResultWindow + 0x30));
            Assert.That(facts.ExitMicroseconds, Is.EqualTo(2).Within(0.01));
            Assert.That(facts.LoopNanosecondsPerIteration, Is.EqualTo(0.4).Within(0.01), "(4 µs - 2 µs) / 5,000");
        });
    }

    [Test]
    public void AKvmRunThatEndsEarlyOrWronglyFailsAndSaysWhere()
    {
        List<(int Port, ulong Value, double At)> outputs = TrialScript.Arm64Outputs(2, 4);
        KvmTrialFacts early = RunKvm(outputs.Take(6).ToList(), Shutdown(), TrialScript.Arm64MemoryAfterRun());
        KvmTrialFacts reset = RunKvm(outputs, Shutdown() with { SystemEventType = 2 }, TrialScript.Arm64MemoryAfterRun());
        var internalError = new KvmTrialExit { Reason = "internal_error", ReasonCode = 17, Suberror = 1 };
        KvmTrialFacts failed = RunKvm(outputs.Take(10).ToList(), internalError, TrialScript.Arm64MemoryAfterRun(), pc: Arm64TrialProgram.CodeAddress + 0x50);
        KvmTrialFacts wrong = RunKvm(outputs, Shutdown(), memory: new byte[Arm64TrialProgram.MemorySize]);

        Assert.Multiple(() =>
        {
            Assert.That(early.Completed, Is.False);
            Assert.That(early.Failure, Does.Contain("powered off before reporting every result"));
            Assert.That(reset.Failure, Does.Contain("KVM_EXIT_SYSTEM_EVENT of type 2 (reset)"));
            Assert.That(failed.Failure, Does.Contain("KVM_EXIT_INTERNAL_ERROR, suberror 1 (emulation failure) at msr VBAR_EL1, x1 (guest PC 0x1050)"));
            Assert.That(failed.FailedAt, Is.EqualTo("msr VBAR_EL1, x1"));
            Assert.That(wrong.FailedAt, Is.EqualTo("memory"));
            Assert.That(wrong.Exits, Has.Count.EqualTo(12), "the trial stops at the wrong result");
        });
    }

    [Test]
    public void AStoreOutsideTheWindowOrOfAnotherSizeIsNotAResult()
    {
        var (recorder, _) = TrialScript.Start(Arm64TrialProgram.Shape);
        var trial = new Arm64KvmTrial(-1, 8192, recorder);
        var outside = new KvmTrialExit { Reason = "mmio", ReasonCode = 6, Address = 0x2000_0000 };
        var inside = outside with { Address = Arm64TrialProgram.ResultWindow };

        TrialStep narrow = trial.Judge(inside, (true, 4, 1), TrialScript.Ticks(5), [], pc: null);
        TrialStep far = new Arm64KvmTrial(-1, 8192, new KvmTrialRecorder(Arm64TrialProgram.Shape, TrialThread.Deadline))
            .Judge(outside, (true, 8, 1), TrialScript.Ticks(5), [], pc: Arm64TrialProgram.CodeAddress + 4);

        Assert.Multiple(() =>
        {
            Assert.That(narrow, Is.EqualTo(TrialStep.Finish));
            Assert.That(recorder.Snapshot().Failure, Does.Contain("stored 4 bytes"));
            Assert.That(far, Is.EqualTo(TrialStep.Done));
        });
    }

    [Test]
    public unsafe void TheRunAreaIsReadAsTheKernelWritesIt()
    {
        byte[] area = new byte[4096];
        BinaryPrimitives.WriteUInt32LittleEndian(area.AsSpan(KvmRunLayout.ExitReason), KvmRunLayout.ExitMmio);
        BinaryPrimitives.WriteUInt64LittleEndian(area.AsSpan(KvmRunLayout.MmioAddress), Arm64TrialProgram.ResultWindow + 0x18);
        BinaryPrimitives.WriteUInt64LittleEndian(area.AsSpan(KvmRunLayout.MmioData), 0xFFFF_FFFF_0000_0004);
        BinaryPrimitives.WriteUInt32LittleEndian(area.AsSpan(KvmRunLayout.MmioLength), 4);
        area[KvmRunLayout.MmioIsWrite] = 1;
        fixed (byte* run = area)
        {
            KvmTrialExit exit = KvmRunExits.Describe(run);
            (bool isWrite, int length, ulong value) = Arm64KvmTrial.MmioWrite(run);
            BinaryPrimitives.WriteUInt32LittleEndian(area.AsSpan(KvmRunLayout.ExitReason), KvmRunLayout.ExitSystemEvent);
            BinaryPrimitives.WriteUInt32LittleEndian(area.AsSpan(KvmRunLayout.SystemEventType), 1);
            KvmTrialExit shutdown = KvmRunExits.Describe(run);
            Assert.Multiple(() =>
            {
                Assert.That(exit.Reason, Is.EqualTo("mmio"));
                Assert.That(exit.Address, Is.EqualTo(Arm64TrialProgram.ResultWindow + 0x18));
                Assert.That((isWrite, length, value), Is.EqualTo((true, 4, 4UL)), "only len bytes of data count");
                Assert.That(shutdown.Reason, Is.EqualTo("system_event"));
                Assert.That(shutdown.SystemEventType, Is.EqualTo(KvmArm64.SystemEventShutdown));
            });
        }
    }

    internal static KvmTrialExit Shutdown() => new() { Reason = "system_event", ReasonCode = (int)KvmRunLayout.ExitSystemEvent, SystemEventType = KvmArm64.SystemEventShutdown };

    /// <summary>Drives <see cref="Arm64KvmTrial.Judge"/> with the MMIO exits of <paramref name="outputs"/>, then <paramref name="last"/>.</summary>
    internal static KvmTrialFacts RunKvm(List<(int Port, ulong Value, double At)> outputs, KvmTrialExit last, byte[] memory, ulong? pc = null)
    {
        var recorder = new KvmTrialRecorder(Arm64TrialProgram.Shape, TrialThread.Deadline);
        var trial = new Arm64KvmTrial(-1, 8192, recorder);
        trial.StartClock(0);
        double at = 0;
        foreach ((int port, ulong value, double when) in outputs)
        {
            at = when;
            var exit = new KvmTrialExit { Reason = "mmio", ReasonCode = (int)KvmRunLayout.ExitMmio, Address = Arm64TrialProgram.ResultWindow + (ulong)port };
            if (trial.Judge(exit, (true, 8, value), TrialScript.Ticks(when), memory, pc: null) != TrialStep.Enter)
            {
                return recorder.Snapshot();
            }
        }
        trial.Judge(last, default, TrialScript.Ticks(at + 1), memory, pc);
        return recorder.Snapshot();
    }

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();
}
