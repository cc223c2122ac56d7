using Microsoft.Extensions.Logging;

namespace SparseVirt.Hypervisor;

/// <summary>The namespace's log messages, source-generated.</summary>
internal static partial class HypervisorLog
{
    [LoggerMessage(EventId = 4001, Level = LogLevel.Debug, Message = "Probing KVM device {DevicePath}")]
    public static partial void ProbingDevice(ILogger logger, string devicePath);

    [LoggerMessage(EventId = 4002, Level = LogLevel.Debug, Message = "KVM device {DevicePath} does not exist")]
    public static partial void DeviceMissing(ILogger logger, string devicePath);

    [LoggerMessage(EventId = 4003, Level = LogLevel.Debug, Message = "Opening {DevicePath} failed: {Outcome}")]
    public static partial void OpenFailed(ILogger logger, string devicePath, string outcome);

    [LoggerMessage(EventId = 4004, Level = LogLevel.Debug, Message = "{DevicePath} does not answer KVM_GET_API_VERSION: {Outcome}")]
    public static partial void NotKvm(ILogger logger, string devicePath, string outcome);

    [LoggerMessage(EventId = 4005, Level = LogLevel.Warning, Message = "KVM_GET_API_VERSION returned {ApiVersion}, not 12; KVM_CREATE_VM is not attempted")]
    public static partial void ApiVersionMismatch(ILogger logger, long apiVersion);

    [LoggerMessage(EventId = 4006, Level = LogLevel.Debug, Message = "KVM_CREATE_VM: {Outcome}")]
    public static partial void CreateVm(ILogger logger, string outcome);

    [LoggerMessage(EventId = 4007, Level = LogLevel.Debug, Message = "Firmware MSR unreadable through {MsrDevicePath}: {Outcome}")]
    public static partial void MsrUnreadable(ILogger logger, string msrDevicePath, string outcome);

    [LoggerMessage(EventId = 4008, Level = LogLevel.Information, Message = "Virtualization check: {Status} ({Reason}) in {ElapsedMilliseconds:F1} ms")]
    public static partial void Verdict(ILogger logger, VirtualizationStatus status, string reason, double elapsedMilliseconds);

    [LoggerMessage(EventId = 4009, Level = LogLevel.Debug, Message = "Windows Hypervisor Platform: library {LibraryLoad}, trial partition setup {Setup}")]
    public static partial void WindowsProbed(ILogger logger, string libraryLoad, string setup);

    [LoggerMessage(EventId = 4010, Level = LogLevel.Debug, Message = "Hypervisor.framework: kern.hv_support {Support}, hv_vm_create {VmCreate}")]
    public static partial void MacOSProbed(ILogger logger, string support, string vmCreate);

    [LoggerMessage(EventId = 4011, Level = LogLevel.Debug, Message = "KVM trial guest: completed {Completed}, failure {Failure}, loop {NanosecondsPerIteration:F3} ns/iteration, exit {ExitMicroseconds:F2} us")]
    public static partial void TrialGuest(ILogger logger, bool completed, string failure, double nanosecondsPerIteration, double exitMicroseconds);
}
