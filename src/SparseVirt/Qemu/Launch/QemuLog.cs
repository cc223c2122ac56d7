using Microsoft.Extensions.Logging;

namespace SparseVirt.Qemu.Launch;

/// <summary>The launcher's log messages.</summary>
internal static partial class QemuLog
{
    [LoggerMessage(EventId = 5000, Level = LogLevel.Information, Message = "Starting QEMU: {CommandLine}")]
    public static partial void Starting(ILogger logger, string commandLine);

    [LoggerMessage(EventId = 5001, Level = LogLevel.Debug, Message = "QEMU {ProcessId} stdout: {Line}")]
    public static partial void StandardOutput(ILogger logger, int processId, string line);

    [LoggerMessage(EventId = 5002, Level = LogLevel.Warning, Message = "QEMU {ProcessId} stderr: {Line}")]
    public static partial void StandardError(ILogger logger, int processId, string line);

    [LoggerMessage(EventId = 5003, Level = LogLevel.Information, Message = "QEMU {ProcessId} is running with accelerator {Accelerator}")]
    public static partial void Running(ILogger logger, int processId, QemuAccelerator accelerator);

    [LoggerMessage(EventId = 5004, Level = LogLevel.Warning, Message = "QEMU {ProcessId} fell back to accelerator {Accelerator}; {Preferred} was preferred but could not be used")]
    public static partial void AcceleratorFallback(ILogger logger, int processId, QemuAccelerator accelerator, QemuAccelerator preferred);

    [LoggerMessage(EventId = 5005, Level = LogLevel.Information, Message = "QEMU {ProcessId}: asking the guest to power down (system_powerdown), waiting up to {Timeout}")]
    public static partial void PowerdownRequested(ILogger logger, int processId, TimeSpan timeout);

    [LoggerMessage(EventId = 5006, Level = LogLevel.Warning, Message = "QEMU {ProcessId}: the guest did not power down; sending quit")]
    public static partial void EscalatingToQuit(ILogger logger, int processId);

    [LoggerMessage(EventId = 5007, Level = LogLevel.Warning, Message = "QEMU {ProcessId}: killing the process tree")]
    public static partial void Killing(ILogger logger, int processId);

    [LoggerMessage(EventId = 5008, Level = LogLevel.Information, Message = "QEMU {ProcessId} exited with code {ExitCode}")]
    public static partial void Exited(ILogger logger, int processId, int exitCode);

    [LoggerMessage(EventId = 5009, Level = LogLevel.Trace, Message = "Serial: {Line}")]
    public static partial void SerialLine(ILogger logger, string line);

    [LoggerMessage(EventId = 5010, Level = LogLevel.Debug, Message = "QEMU {ProcessId}: {Step} ignored during shutdown: {Reason}")]
    public static partial void ShutdownStepFailed(ILogger logger, int processId, string step, string reason);

    [LoggerMessage(EventId = 5011, Level = LogLevel.Warning, Message = "QEMU {ProcessId}: the VM stopped with run state {RunState} on {Accelerator}")]
    public static partial void GuestStopped(ILogger logger, int processId, string runState, QemuAccelerator accelerator);
}
