using SparseVirt.Hypervisor.Collection.KvmTrial;
using SparseVirt.Interop;

namespace SparseVirt.Hypervisor.Collection.MacOS;

/// <summary>
/// The pure half of the HVF trial (Apple silicon): what an exit's exception syndrome (ESR_EL2) says, and what each
/// exit means for the arm64 trial program. HVF hands every guest exception to the host: a store to the result
/// window is a stage-2 data abort whose syndrome names the stored register; the final <c>hvc #0</c> is an HVC
/// exception. Tested with hand-made syndromes, since no Mac is reachable here.
/// </summary>
internal static class HvfTrialExits
{
    /// <summary>ESR exception classes: HVC from AArch64, and a data abort from a lower exception level.</summary>
    public const int ExceptionClassHvc = 0x16, ExceptionClassDataAbort = 0x24;

    /// <summary>The fields of an ESR the trial reads (Arm ARM, ESR_EL2 for a data abort: ISV, SAS, SRT, WnR).</summary>
    internal readonly record struct Syndrome(ulong Value)
    {
        public int ExceptionClass => (int)((Value >> 26) & 0x3F);

        /// <summary>ISV: the fields below are valid (a single load or store without writeback).</summary>
        public bool Valid => ((Value >> 24) & 1) != 0;

        public int AccessBytes => 1 << (int)((Value >> 22) & 3);

        /// <summary>SRT: the register stored (31 is the zero register).</summary>
        public int Register => (int)((Value >> 16) & 0x1F);

        public bool IsWrite => ((Value >> 6) & 1) != 0;

        /// <summary>The immediate of an HVC.</summary>
        public int Immediate => (int)(Value & 0xFFFF);

        /// <summary>A store whose register the host can read: what a result is.</summary>
        public bool IsReadableStore => ExceptionClass == ExceptionClassDataAbort && Valid && IsWrite;
    }

    /// <summary>
    /// What one exit means. <paramref name="stored"/> is the value of the syndrome's register for a store,
    /// <paramref name="x0"/> the guest's x0 (the PSCI function of an HVC). The caller steps PC over a result's store.
    /// </summary>
    public static (TrialStep Step, bool StepOver) Judge(TrialRun run, in HvVcpuExit exit, ulong stored, ulong pc, ulong x0, long now, ReadOnlySpan<byte> memory)
    {
        var syndrome = new Syndrome(exit.Syndrome);
        var fact = new KvmTrialExit { Reason = ReasonName(exit.Reason), ReasonCode = (int)exit.Reason, Syndrome = exit.Reason == HvArm64.ExitException ? exit.Syndrome : null };
        if (exit.Reason == HvArm64.ExitCanceled)
        {
            return (run.Stopped(fact, now), false);
        }
        if (exit.Reason == HvArm64.ExitException && syndrome.ExceptionClass == ExceptionClassDataAbort
            && Arm64TrialProgram.PortOf(exit.PhysicalAddress) is { } port)
        {
            fact = fact with { Address = exit.PhysicalAddress };
            if (!syndrome.IsReadableStore || syndrome.AccessBytes != 8)
            {
                return (run.UnexpectedAccess(fact, now, $"the guest made an access at 0x{exit.PhysicalAddress:X} (syndrome 0x{exit.Syndrome:X}) that the program never makes"), false);
            }
            TrialStep step = run.Output(port, stored, now, fact, memory);
            return (step, step == TrialStep.Enter);
        }

        bool programEnd = exit.Reason == HvArm64.ExitException && syndrome.ExceptionClass == ExceptionClassHvc
            && syndrome.Immediate == 0 && x0 == Arm64TrialProgram.PsciSystemOff;
        string? instruction = Arm64TrialProgram.InstructionAt(pc);
        KvmTrialExit last = fact with { GuestInstructionPointer = pc, Address = syndrome.ExceptionClass == ExceptionClassDataAbort ? exit.PhysicalAddress : null };
        string where = instruction is not null ? $" at {instruction} (guest PC 0x{pc:X})" : $" at guest PC 0x{pc:X}";
        string failure = programEnd ? "the guest powered off before reporting every result"
            : exit.Reason == HvArm64.ExitException
                ? $"HV_EXIT_REASON_EXCEPTION, exception class 0x{syndrome.ExceptionClass:X2} ({ClassName(syndrome.ExceptionClass)}), syndrome 0x{exit.Syndrome:X}{where}"
                : $"unexpected exit HV_EXIT_REASON_{fact.Reason.ToUpperInvariant()} ({exit.Reason}){where}";
        return (run.Last(last, now, programEnd, instruction, failure), false);
    }

    private static string ReasonName(uint reason) => reason switch
    {
        HvArm64.ExitCanceled => "canceled",
        HvArm64.ExitException => "exception",
        HvArm64.ExitVtimerActivated => "vtimer_activated",
        HvArm64.ExitUnknown => "unknown",
        _ => "reason_" + reason.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };

    private static string ClassName(int exceptionClass) => exceptionClass switch
    {
        0x00 => "unknown reason",
        0x01 => "WFI or WFE",
        0x0E => "illegal execution state",
        0x16 => "HVC",
        0x17 => "SMC",
        0x18 => "system register access",
        0x20 => "instruction abort",
        0x22 => "PC alignment fault",
        0x24 => "data abort",
        0x26 => "SP alignment fault",
        _ => "other",
    };
}
