using System.Buffers.Binary;
using SparseVirt.Hypervisor.Collection.KvmTrial;
using SparseVirt.Interop;

namespace SparseVirt.Hypervisor.Collection.Windows;

/// <summary>
/// The pure half of the WHPX trial: what a <c>WHV_RUN_VP_EXIT_CONTEXT</c> says, and what each exit means for the
/// x86-64 trial program. Tested with hand-made exit contexts, since no Windows Hypervisor Platform is reachable here.
/// </summary>
internal static class WhvTrialExits
{
    /// <summary>The fields of an exit context the trial reads.</summary>
    internal readonly record struct Exit(uint Reason, ulong Rip, int InstructionLength, uint AccessInfo, int Port, ulong Rax, ulong Gpa)
    {
        public bool IsWrite => (AccessInfo & 1) != 0;

        public int AccessSize => (int)((AccessInfo >> 1) & 7);

        public bool StringOrRepeated => (AccessInfo & 0x30) != 0;
    }

    /// <summary>Reads an exit context (<see cref="WhvX64.ExitContextSize"/> bytes, as <c>WHvRunVirtualProcessor</c> wrote it).</summary>
    public static Exit Decode(ReadOnlySpan<byte> context) => new(
        BinaryPrimitives.ReadUInt32LittleEndian(context[WhvX64.ExitReasonOffset..]),
        BinaryPrimitives.ReadUInt64LittleEndian(context[WhvX64.RipOffset..]),
        context[WhvX64.InstructionLengthOffset] & 0xF,
        BinaryPrimitives.ReadUInt32LittleEndian(context[WhvX64.IoAccessInfoOffset..]),
        BinaryPrimitives.ReadUInt16LittleEndian(context[WhvX64.IoPortOffset..]),
        BinaryPrimitives.ReadUInt64LittleEndian(context[WhvX64.IoRaxOffset..]),
        BinaryPrimitives.ReadUInt64LittleEndian(context[WhvX64.MemoryGpaOffset..]));

    /// <summary>
    /// What one exit means: an <c>out</c> is a result (the caller then steps RIP over the instruction, as WHPX leaves
    /// that to the host), a halt after the last result completes the trial, a cancellation is the deadline, anything
    /// else fails it.
    /// </summary>
    public static (TrialStep Step, bool StepOver) Judge(TrialRun run, in Exit exit, long now, ReadOnlySpan<byte> memory)
    {
        var fact = new KvmTrialExit { Reason = WhvX64.ExitName(exit.Reason), ReasonCode = (int)exit.Reason };
        switch (exit.Reason)
        {
            case WhvX64.ExitIoPortAccess:
                if (!exit.IsWrite || exit.StringOrRepeated || exit.AccessSize is not (1 or 2 or 4))
                {
                    return (run.UnexpectedAccess(fact with { Port = exit.Port }, now, $"the guest made an access to port 0x{exit.Port:X} (access info 0x{exit.AccessInfo:X}) that the program never makes"), false);
                }
                ulong value = exit.AccessSize == 4 ? (uint)exit.Rax : exit.Rax & ((1UL << (exit.AccessSize * 8)) - 1);
                TrialStep step = run.Output(exit.Port, value, now, fact, memory);
                return (step, step == TrialStep.Enter);
            case WhvX64.ExitCanceled:
                return (run.Stopped(fact, now), false);
            default:
                string? instruction = run.Program.InstructionAt(exit.Rip);
                KvmTrialExit last = fact with
                {
                    GuestInstructionPointer = exit.Rip,
                    Address = exit.Reason == WhvX64.ExitMemoryAccess ? exit.Gpa : null,
                };
                return (run.Last(last, now, exit.Reason == WhvX64.ExitHalt, instruction, FailureText(last, exit, instruction)), false);
        }
    }

    private static string FailureText(KvmTrialExit fact, in Exit exit, string? instruction)
    {
        string where = instruction is not null ? $" at {instruction} (guest RIP 0x{exit.Rip:X})" : $" at guest RIP 0x{exit.Rip:X}";
        return exit.Reason switch
        {
            WhvX64.ExitHalt => "the guest halted before reporting every result",
            WhvX64.ExitMemoryAccess => $"WHvRunVpExitReasonMemoryAccess: the guest touched guest-physical 0x{exit.Gpa:X} outside its memory{where}",
            WhvX64.ExitUnrecoverableException => $"WHvRunVpExitReasonUnrecoverableException (a triple fault){where}",
            WhvX64.ExitInvalidVpRegisterValue => "WHvRunVpExitReasonInvalidVpRegisterValue: the hypervisor refused the long-mode registers the trial set",
            _ => $"unexpected exit WHvRunVpExitReason {fact.Reason} (0x{exit.Reason:X}){where}",
        };
    }
}
