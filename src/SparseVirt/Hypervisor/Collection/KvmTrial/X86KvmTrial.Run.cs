using System.Diagnostics;
using SparseVirt.Interop;

namespace SparseVirt.Hypervisor.Collection.KvmTrial;

// The run loop: KVM_RUN until the guest halts or fails, each port-I/O exit checked against what the program reports.
internal sealed unsafe partial class X86KvmTrial
{
    /// <summary>What the loop does after an exit.</summary>
    private enum Next
    {
        /// <summary>Enter the guest again.</summary>
        Enter,

        /// <summary>Enter it again without counting an exit (a signal for this thread, not ours: the guest did not exit).</summary>
        EnterAgain,

        /// <summary>Leave the loop, recording the timings so far.</summary>
        Finish,

        /// <summary>The trial's outcome is recorded.</summary>
        Done,
    }

    private void RunGuest(int vcpu, ReadOnlySpan<byte> memory)
    {
        var progress = new RunProgress { Started = Stopwatch.GetTimestamp(), ExitMicroseconds = double.MaxValue, LoopMicroseconds = double.MaxValue };
        for (int count = 0; count < MaxExits; count++)
        {
            int result = Libc.Ioctl(vcpu, KvmIoctl.Run, 0);
            long now = Stopwatch.GetTimestamp();
            double at = Math.Round(Stopwatch.GetElapsedTime(progress.Started, now).TotalMicroseconds, 1);
            Next next = result < 0 ? OnRunFailed(progress.LastStage, at)
                : *(uint*)(_runArea + KvmRunLayout.ExitReason) == KvmRunLayout.ExitIo ? OnIoExit(ref progress, memory, now, at)
                : OnLastExit(vcpu, progress, at);
            if (next == Next.EnterAgain)
            {
                count--;
            }
            else if (next == Next.Finish)
            {
                break;
            }
            else if (next == Next.Done)
            {
                return;
            }
        }
        recorder.Timings(Known(progress.ExitMicroseconds), Known(progress.LoopMicroseconds));
        if (!recorder.HasFailed)
        {
            recorder.Fail(progress.LastStage, $"the guest made more than {MaxExits} exits; the program makes 13");
        }
    }

    private Next OnRunFailed(string? lastStage, double at)
    {
        SystemCallOutcome failure = SystemCallResults.FromLastError();
        if (failure.Errno is Errno.EINTR or Errno.EAGAIN)
        {
            if (!StopRequested)
            {
                return Next.EnterAgain;
            }
            recorder.TimedOut(lastStage);
            return Next.Finish;
        }
        recorder.Exit(new KvmTrialExit { Reason = "error", RunError = failure, AtMicroseconds = at });
        recorder.Fail("KVM_RUN", $"KVM_RUN failed with {failure}");
        return Next.Finish;
    }

    private Next OnIoExit(ref RunProgress progress, ReadOnlySpan<byte> memory, long now, double at)
    {
        byte* run = _runArea;
        int port = *(ushort*)(run + KvmRunLayout.IoPort);
        uint value = ReadIoValue(run, runAreaSize);
        string stage = X86TrialProgram.StageOf(port);
        progress.LastStage = stage;
        recorder.Exit(new KvmTrialExit { Reason = "io", ReasonCode = (int)KvmRunLayout.ExitIo, Port = port, Value = value, Stage = stage, AtMicroseconds = at });
        if (run[KvmRunLayout.IoDirection] != 1)
        {
            recorder.Fail(stage, $"the guest read port 0x{port:X}, which the program never does");
            return Next.Finish;
        }
        switch (port)
        {
            case X86TrialProgram.PortExitTiming:
                if (progress.PreviousTiming != 0)
                {
                    progress.ExitMicroseconds = Math.Min(progress.ExitMicroseconds, Stopwatch.GetElapsedTime(progress.PreviousTiming, now).TotalMicroseconds);
                }
                progress.PreviousTiming = now;
                break;
            case X86TrialProgram.PortLoopStart:
                progress.LoopStarted = now;
                break;
            case X86TrialProgram.PortLoopEnd:
                progress.LoopMicroseconds = Math.Min(progress.LoopMicroseconds, Stopwatch.GetElapsedTime(progress.LoopStarted, now).TotalMicroseconds);
                recorder.Timings(Known(progress.ExitMicroseconds), Known(progress.LoopMicroseconds));
                break;
            default:
                if (X86TrialProgram.CheckResult(port, value, memory) is { } wrong)
                {
                    recorder.Fail(stage, wrong);
                    return Next.Done;
                }
                progress.SawLastResult |= port == X86TrialProgram.PortCompareExchange;
                break;
        }
        return Next.Enter;
    }

    // Any exit but port I/O ends the trial: a halt after the last result completes it, everything else fails it.
    private Next OnLastExit(int vcpu, in RunProgress progress, double at)
    {
        uint reason = *(uint*)(_runArea + KvmRunLayout.ExitReason);
        ulong? rip = reason is KvmRunLayout.ExitIo or KvmRunLayout.ExitHalt ? null : InstructionPointer(vcpu);
        string? instruction = rip is { } address ? X86TrialProgram.InstructionAt(address) : null;
        KvmTrialExit exit = DescribeExit(_runArea, reason, at) with { GuestInstructionPointer = rip, Stage = instruction };
        recorder.Exit(exit);
        if (reason == KvmRunLayout.ExitHalt && progress.SawLastResult)
        {
            recorder.Complete();
        }
        else
        {
            recorder.Fail(instruction ?? progress.LastStage, FailureText(exit, reason, rip, instruction));
        }
        return Next.Done;
    }

    private static double? Known(double value) => value == double.MaxValue ? null : value;

    /// <summary>
    /// The value of a port-I/O exit. x86 KVM puts the data in the run area's second page
    /// (<c>KVM_PIO_PAGE_OFFSET</c>, so <c>data_offset</c> is 4096), after the structure itself; an offset that would read
    /// outside the mapped area is not trusted and reads as 0.
    /// </summary>
    internal static uint ReadIoValue(byte* run, int runAreaSize)
    {
        ulong offset = *(ulong*)(run + KvmRunLayout.IoDataOffset);
        byte size = run[KvmRunLayout.IoSize];
        if (offset < KvmRunLayout.Details || size is not (1 or 2 or 4) || offset > (ulong)(runAreaSize - size))
        {
            return 0;
        }
        return size switch
        {
            1 => run[offset],
            2 => *(ushort*)(run + offset),
            _ => *(uint*)(run + offset),
        };
    }

    /// <summary>What the loop has seen so far: the stage last reported and the fastest exit and loop timed.</summary>
    private struct RunProgress
    {
        public long Started;
        public long PreviousTiming;
        public long LoopStarted;
        public double ExitMicroseconds;
        public double LoopMicroseconds;
        public bool SawLastResult;
        public string? LastStage;
    }
}
