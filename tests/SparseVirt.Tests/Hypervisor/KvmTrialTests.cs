using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using SparseVirt.Hypervisor;
using SparseVirt.Hypervisor.Collection.KvmTrial;
using SparseVirt.Interop;
using SparseVirt.Tests.Infrastructure;

namespace SparseVirt.Tests.Hypervisor;

public class KvmTrialTests
{
    [Test]
    public void KvmStructuresHaveTheKernelsSizes()
    {
        Assert.Multiple(() =>
        {
            Assert.That(Unsafe.SizeOf<KvmSegment>(), Is.EqualTo(24));
            Assert.That(Unsafe.SizeOf<KvmDescriptorTable>(), Is.EqualTo(16));
            Assert.That(Unsafe.SizeOf<KvmSpecialRegisters>(), Is.EqualTo(312), "KVM_GET_SREGS encodes 312");
            Assert.That(Unsafe.SizeOf<KvmRegisters>(), Is.EqualTo(144), "KVM_GET_REGS encodes 144");
            Assert.That(Unsafe.SizeOf<KvmUserspaceMemoryRegion>(), Is.EqualTo(32));
            Assert.That(KvmIoctl.GetSpecialRegisters, Is.EqualTo(0x8138AE83u));
            Assert.That(KvmIoctl.SetUserMemoryRegion, Is.EqualTo(0x4020AE46u));
            Assert.That(KvmIoctl.GetSupportedCpuid, Is.EqualTo(0xC008AE05u));
        });
    }

    [Test]
    public void TheTrialProgramIsWhatItsListingSays()
    {
        string objdump = ExternalTool.Require("objdump", "binutils");
        using var folder = new TempDirectory();
        string binary = Path.Combine(folder.FullPath, "trial.bin");
        File.WriteAllBytes(binary, X86TrialProgram.Code.ToArray());

        ToolResult result = ExternalTool.Run(objdump, ["-D", "-b", "binary", "-m", "i386:x86-64", binary]);

        Assert.That(result.ExitCode, Is.EqualTo(0), result.Error);
        var disassembled = result.Output.Split('\n')
            .Select(line => line.Split('\t'))
            .Where(parts => parts.Length == 3 && parts[0].TrimEnd().EndsWith(':'))
            .Select(parts => (Offset: Convert.ToInt32(parts[0].Trim().TrimEnd(':'), 16), Text: string.Join(' ', parts[2].Split(' ', StringSplitOptions.RemoveEmptyEntries))))
            .ToList();
        Assert.That(disassembled, Is.EqualTo(X86TrialProgram.Instructions.Select(i => (i.Offset, i.Text)).ToList()));
    }

    [Test]
    public void FailuresAreNamedByTheInstructionAtTheGuestsInstructionPointer()
    {
        Assert.Multiple(() =>
        {
            Assert.That(X86TrialProgram.InstructionAt(X86TrialProgram.CodeAddress + 0x7f), Is.EqualTo("lock cmpxchg16b (%rdi)"));
            Assert.That(X86TrialProgram.InstructionAt(X86TrialProgram.CodeAddress + 0x4a), Is.EqualTo("wrmsr"));
            Assert.That(X86TrialProgram.InstructionAt(X86TrialProgram.CodeAddress + 0x10), Is.EqualTo("dec %ecx"), "inside an instruction");
            Assert.That(X86TrialProgram.InstructionAt(X86TrialProgram.CodeAddress - 1), Is.Null);
            Assert.That(X86TrialProgram.InstructionAt(X86TrialProgram.CodeAddress + (ulong)X86TrialProgram.Code.Length), Is.Null);
        });
    }

    [Test]
    public void TheHostChecksEveryResultTheGuestReports()
    {
        byte[] memory = new byte[X86TrialProgram.MemorySize];
        X86TrialProgram.Load(memory);
        Assert.Multiple(() =>
        {
            Assert.That(X86TrialProgram.CheckResult(X86TrialProgram.PortMsr, X86TrialProgram.LstarValue, memory), Is.Null);
            Assert.That(X86TrialProgram.CheckResult(X86TrialProgram.PortMsr, 0, memory), Does.Contain("IA32_LSTAR"));
            Assert.That(X86TrialProgram.CheckResult(X86TrialProgram.PortControlRegisters, 0x20, memory), Does.Contain("OSFXSR"));
            Assert.That(X86TrialProgram.CheckResult(X86TrialProgram.PortCpuid, 0, memory), Does.Contain("CPUID"));
            // Success reported while memory still holds the old value: the store did not happen.
            Assert.That(X86TrialProgram.CheckResult(X86TrialProgram.PortCompareExchange, 1, memory), Does.Contain("did not store"));
        });
        BinaryPrimitives.WriteUInt64LittleEndian(memory.AsSpan((int)X86TrialProgram.DataAddress), X86TrialProgram.StoredLow);
        BinaryPrimitives.WriteUInt64LittleEndian(memory.AsSpan((int)X86TrialProgram.DataAddress + 8), X86TrialProgram.StoredHigh);
        Assert.Multiple(() =>
        {
            Assert.That(X86TrialProgram.CheckResult(X86TrialProgram.PortCompareExchange, 1, memory), Is.Null);
            Assert.That(X86TrialProgram.CheckResult(X86TrialProgram.PortCompareExchange, 0, memory), Does.Contain("ZF clear"));
        });
    }

    [Test]
    public void TheGuestMemoryMapsItsCodeThroughFourLevelPaging()
    {
        byte[] memory = new byte[X86TrialProgram.MemorySize];
        X86TrialProgram.Load(memory);
        ulong Entry(ulong address) => BinaryPrimitives.ReadUInt64LittleEndian(memory.AsSpan((int)address));

        ulong pdpt = Entry(X86TrialProgram.Pml4Address) & ~0xFFFUL;
        ulong directory = Entry(pdpt) & ~0xFFFUL;
        ulong largePage = Entry(directory);
        Assert.Multiple(() =>
        {
            Assert.That(pdpt, Is.EqualTo(X86TrialProgram.PdptAddress));
            Assert.That(directory, Is.EqualTo(X86TrialProgram.PageDirectoryAddress));
            Assert.That(largePage & 0x81, Is.EqualTo(0x81UL), "present 2 MiB page");
            Assert.That(largePage & ~0x1FFFFFUL, Is.EqualTo(0UL), "identity-mapped from 0");
            Assert.That(memory.AsSpan((int)X86TrialProgram.CodeAddress, X86TrialProgram.Code.Length).SequenceEqual(X86TrialProgram.Code), Is.True);
        });
    }

    [Test]
    public void ATrialThatRunsCorrectlyButEmulatedIsNotReady()
    {
        HostFacts ready = Fixtures.Load("handmade-intel-host-ready-trial");
        HostFacts slow = ready with { Kvm = ready.Kvm with { Trial = ready.Kvm.Trial! with { LoopNanosecondsPerIteration = 1250 } } };

        HostVirtualizationReport report = HostVirtualizationReport.FromFacts(slow);

        Assert.Multiple(() =>
        {
            Assert.That(report.Verdict.Status, Is.EqualTo(VirtualizationStatus.EmulatedOnly));
            Assert.That(report.Verdict.Reason, Does.Contain("1250 ns per loop iteration").And.Contain("25 times"));
            Assert.That(report.BestAccelerator, Is.EqualTo(Accelerator.Tcg));
            Assert.That(report.QemuAccelerator, Is.EqualTo("tcg"));
            // Bare metal, no PVM: the device failed a request, as the emulator words it.
            Assert.That(report.Emulator.Code, Is.EqualTo(AndroidCpuAcceleration.DevIoctlFailed));
            Assert.That(report.Verdict.Remediation, Has.Some.Contains("dmesg"));
        });
    }

    [Test]
    public void ATrialWithoutTimingIsNotReady()
    {
        HostFacts ready = Fixtures.Load("handmade-intel-host-ready-trial");
        HostFacts untimed = ready with { Kvm = ready.Kvm with { Trial = ready.Kvm.Trial! with { LoopNanosecondsPerIteration = null } } };

        Assert.That(VirtualizationJudge.Judge(untimed).Status, Is.EqualTo(VirtualizationStatus.EmulatedOnly));
    }

    [Test]
    public void CurrentFactsWithAVmButNoTrialGuestAreNotReady()
    {
        HostFacts ready = Fixtures.Load("handmade-intel-host-ready-trial");

        VirtualizationVerdict verdict = VirtualizationJudge.Judge(ready with { Kvm = ready.Kvm with { Trial = null } });

        Assert.Multiple(() =>
        {
            Assert.That(verdict.Status, Is.EqualTo(VirtualizationStatus.GuestCannotRun));
            Assert.That(verdict.Reason, Does.Contain("no trial guest was run"));
        });
    }

    [Test]
    public void AnArchitectureWithoutATrialGuestStaysReadyOnTheVmAndSaysSo()
    {
        HostFacts ready = Fixtures.Load("handmade-intel-host-ready-trial");
        HostFacts riscv = ready with { Kvm = ready.Kvm with { Trial = new KvmTrialFacts { Supported = false, NotSupportedReason = "no trial guest is written for RiscV64" } } };

        VirtualizationVerdict verdict = VirtualizationJudge.Judge(riscv);

        Assert.Multiple(() =>
        {
            Assert.That(verdict.Status, Is.EqualTo(VirtualizationStatus.Ready));
            Assert.That(verdict.Reason, Does.Contain("no trial guest is written for RiscV64"));
        });
    }

    [Test]
    public void AFailedTrialOnBareMetalNamesTheInstructionAndNoPvm()
    {
        HostFacts pvm = Fixtures.Load("handmade-pvm-host-guest-cannot-run");
        HostFacts bareMetal = Fixtures.Load("handmade-intel-host-ready-trial");
        HostFacts failed = bareMetal with { Kvm = bareMetal.Kvm with { Trial = pvm.Kvm.Trial } };

        HostVirtualizationReport report = HostVirtualizationReport.FromFacts(failed);

        Assert.Multiple(() =>
        {
            Assert.That(report.Verdict.Status, Is.EqualTo(VirtualizationStatus.GuestCannotRun));
            Assert.That(report.Verdict.Reason, Does.Contain("lock cmpxchg16b").And.Not.Contain("PVM"));
            Assert.That(report.Emulator.Code, Is.EqualTo(AndroidCpuAcceleration.DevIoctlFailed));
            Assert.That(report.IsReady, Is.False);
        });
    }

    [Test]
    public void TrialFactsSurviveJson()
    {
        HostFacts facts = Fixtures.Load("handmade-pvm-host-guest-cannot-run");

        HostFacts again = HostFacts.FromJson(facts.ToJson());

        KvmTrialFacts trial = again.Kvm.Trial!;
        Assert.Multiple(() =>
        {
            Assert.That(trial.Exits, Has.Count.EqualTo(facts.Kvm.Trial!.Exits.Count));
            Assert.That(trial.Exits[^1].Suberror, Is.EqualTo(1));
            Assert.That(trial.Exits[^1].Data, Is.EqualTo(new ulong[] { 0, 0x407f, 0x20 }));
            Assert.That(trial.LoopNanosecondsPerIteration, Is.EqualTo(1249.4));
            Assert.That(again.SchemaVersion, Is.EqualTo(3));
        });
    }

    [Test]
    public void OnThisMachineTheTrialRunsExactlyWhenAVmIsCreated()
    {
        HostVirtualizationReport report = HostVirtualization.Detect();
        KvmFacts kvm = report.Facts.Kvm;

        Assert.Multiple(() =>
        {
            Assert.That(kvm.Trial is not null, Is.EqualTo(kvm.CreateVm?.Succeeded == true), kvm.Trial?.Failure);
            if (kvm.Trial is { Supported: true } trial)
            {
                Assert.That(trial.Steps, Is.Not.Empty);
                Assert.That(trial.Completed || trial.Failure is not null, Is.True, "a trial either completes or says why not");
                Assert.That(report.IsReady, Is.EqualTo(trial.Completed && trial.LoopNanosecondsPerIteration <= VirtualizationJudge.HardwareSpeedLimitNanoseconds));
            }
        });
    }
}

public class KvmRunAreaTests
{
    [TestCase(4096, 4, 0x00401000u, 0x00401000u)] // x86: the data page follows the structure (KVM_PIO_PAGE_OFFSET = 1)
    [TestCase(4096, 1, 0xABu, 0xABu)]
    [TestCase(12288 - 2, 4, 0x1u, 0u)]            // would read past the mapped area
    [TestCase(8, 4, 0x1u, 0u)]                    // inside the header, not data
    public unsafe void PortOutputIsReadFromWhereTheKernelPutItAndNowhereElse(int dataOffset, int size, uint written, uint expected)
    {
        const int RunAreaSize = 12288;
        byte[] area = new byte[RunAreaSize + 8];
        BinaryPrimitives.WriteUInt64LittleEndian(area.AsSpan(KvmRunLayout.IoDataOffset), (ulong)dataOffset);
        area[KvmRunLayout.IoSize] = (byte)size;
        if (dataOffset + 4 <= area.Length && dataOffset >= KvmRunLayout.Details)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(area.AsSpan(dataOffset), written);
        }

        fixed (byte* run = area)
        {
            Assert.That(X86KvmTrial.ReadIoValue(run, RunAreaSize), Is.EqualTo(expected));
        }
    }
}
