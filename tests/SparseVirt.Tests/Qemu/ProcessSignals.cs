using System.Runtime.InteropServices;

namespace SparseVirt.Tests.Qemu;

/// <summary>Sends Linux signals to a process the test started (no dependency on a kill binary being installed).</summary>
internal static partial class ProcessSignals
{
    private const int SignalStop = 19; // SIGSTOP on Linux (x86_64 and arm64).

    private const int SignalTerminate = 15; // SIGTERM.

    public static bool Stop(int processId) => Kill(processId, SignalStop) == 0;

    public static bool Terminate(int processId) => Kill(processId, SignalTerminate) == 0;

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int processId, int signal);
}
