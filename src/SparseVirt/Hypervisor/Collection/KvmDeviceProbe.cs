using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using SparseVirt.Hypervisor.Collection.KvmTrial;
using SparseVirt.Interop;

namespace SparseVirt.Hypervisor.Collection;

/// <summary>
/// Asks the KVM device itself: stat, permission check, open, API version, capabilities, vCPU mmap size, a trial
/// KVM_CREATE_VM, and on that VM a trial guest (<see cref="KvmTrialGuest"/>). Every failure is recorded as a fact,
/// never thrown.
/// </summary>
internal sealed class KvmDeviceProbe(ILogger logger)
{
    public KvmFacts Probe(string devicePath, ProcessIdentityFacts identity, AccountDatabase accounts, CancellationToken cancellationToken)
    {
        HypervisorLog.ProbingDevice(logger, devicePath);
        var facts = new KvmFacts { Applicable = true, DevicePath = devicePath };

        facts = StatDevice(facts, devicePath, identity, accounts);
        if (facts.FileType == DeviceFileType.Missing)
        {
            HypervisorLog.DeviceMissing(logger, devicePath);
            return facts;
        }

        facts = facts with
        {
            Access = Libc.FAccessAt(Libc.AtCurrentWorkingDirectory, devicePath, Libc.AccessRead | Libc.AccessWrite, Libc.AtEffectiveAccess) == 0
                ? SystemCallOutcome.Success()
                : SystemCallResults.FromLastError(),
        };
        cancellationToken.ThrowIfCancellationRequested();

        using SafeFileDescriptorHandle device = SafeFileDescriptorHandle.Open(devicePath, Libc.OpenReadWrite | Libc.OpenCloseOnExec);
        if (device.IsInvalid)
        {
            SystemCallOutcome openFailure = SystemCallResults.FromLastError();
            HypervisorLog.OpenFailed(logger, devicePath, openFailure.ToString());
            return facts with { Open = openFailure };
        }
        facts = facts with { Open = SystemCallOutcome.Success() };

        return ProbeOpenedDevice(device, devicePath, facts, cancellationToken);
    }

    // stat of the node: its type, numbers, owner, group and mode, and whether this process is in its group.
    private static KvmFacts StatDevice(KvmFacts facts, string devicePath, ProcessIdentityFacts identity, AccountDatabase accounts)
    {
        const uint StatFields = Libc.StatxType | Libc.StatxMode | Libc.StatxUid | Libc.StatxGid;
        int statResult = Libc.Statx(Libc.AtCurrentWorkingDirectory, devicePath, 0, StatFields, out StatxBuffer status);
        if (statResult != 0)
        {
            SystemCallOutcome statFailure = SystemCallResults.FromLastError();
            return facts with
            {
                Stat = statFailure,
                FileType = statFailure.Error == SystemCallError.NotFound ? DeviceFileType.Missing : DeviceFileType.Unknown,
            };
        }
        return facts with
        {
            Stat = SystemCallOutcome.Success(),
            FileType = DeviceFileTypeOf(status.FileType),
            DeviceMajor = IsDevice(status.FileType) ? status.DeviceMajor : null,
            DeviceMinor = IsDevice(status.FileType) ? status.DeviceMinor : null,
            OwnerUid = status.Uid,
            OwnerName = accounts.UserName(status.Uid),
            GroupGid = status.Gid,
            GroupName = accounts.GroupName(status.Gid),
            Mode = FormatMode(status.Permissions),
            ProcessInDeviceGroup = identity.EffectiveGid == status.Gid || identity.SupplementaryGroups.Contains(status.Gid),
            UserListedInDeviceGroup = accounts.IsMember(identity.UserName, status.Gid),
        };
    }

    // The device opened: its API version and capabilities, then a trial VM with a trial guest on it.
    private KvmFacts ProbeOpenedDevice(SafeFileDescriptorHandle device, string devicePath, KvmFacts facts, CancellationToken cancellationToken)
    {
        SystemCallOutcome apiVersion = Ioctl(device, KvmIoctl.GetApiVersion, 0);
        facts = facts with { ApiVersion = apiVersion };
        if (!apiVersion.Succeeded)
        {
            HypervisorLog.NotKvm(logger, devicePath, apiVersion.ToString());
            return facts;
        }

        facts = facts with { Capabilities = Capabilities(device), VcpuMmapSize = Ioctl(device, KvmIoctl.GetVcpuMmapSize, 0) };
        cancellationToken.ThrowIfCancellationRequested();

        if (apiVersion.Value != KvmIoctl.ExpectedApiVersion)
        {
            // QEMU and every other launcher refuse such a kernel, so a VM created here would prove nothing.
            HypervisorLog.ApiVersionMismatch(logger, apiVersion.Value ?? -1);
            return facts;
        }

        int vmDescriptor = Libc.Ioctl(device, KvmIoctl.CreateVm, 0);
        if (vmDescriptor < 0)
        {
            SystemCallOutcome createFailure = SystemCallResults.FromLastError();
            HypervisorLog.CreateVm(logger, createFailure.ToString());
            return facts with { CreateVm = createFailure };
        }
        HypervisorLog.CreateVm(logger, "ok");
        using var vm = new SafeFileDescriptorHandle(vmDescriptor);
        // A VM that opens proves only that the device answers: a guest has to run on it (see docs/hypervisor.md).
        KvmTrialFacts trial = KvmTrialGuest.Run(device, vm, facts.VcpuMmapSize?.Value ?? 0, RuntimeInformation.ProcessArchitecture, cancellationToken);
        HypervisorLog.TrialGuest(logger, trial.Completed, trial.Failure ?? "none", trial.LoopNanosecondsPerIteration ?? -1, trial.ExitMicroseconds ?? -1);
        return facts with { CreateVm = SystemCallOutcome.Success(), Trial = trial };
    }

    private static List<KvmCapabilityFact> Capabilities(SafeFileDescriptorHandle device)
    {
        var capabilities = new List<KvmCapabilityFact>();
        foreach ((string name, int id) in KvmCapabilities.For(RuntimeInformation.ProcessArchitecture))
        {
            SystemCallOutcome answer = Ioctl(device, KvmIoctl.CheckExtension, id);
            capabilities.Add(new KvmCapabilityFact
            {
                Name = name,
                Id = id,
                Value = answer.Value,
                Error = answer.Succeeded ? null : answer.Error,
            });
        }
        return capabilities;
    }

    private static SystemCallOutcome Ioctl(SafeFileDescriptorHandle device, nuint request, nint argument)
    {
        int result = Libc.Ioctl(device, request, argument);
        return result < 0 ? SystemCallResults.FromLastError() : SystemCallOutcome.Success(result);
    }

    private static bool IsDevice(UnixFileType type) => type is UnixFileType.CharacterDevice or UnixFileType.BlockDevice;

    // The public fact keeps its own stable (JSON) values; the mode bits are decoded once, by the foundation.
    private static DeviceFileType DeviceFileTypeOf(UnixFileType type) => type switch
    {
        UnixFileType.CharacterDevice => DeviceFileType.CharacterDevice,
        UnixFileType.BlockDevice => DeviceFileType.BlockDevice,
        UnixFileType.RegularFile => DeviceFileType.RegularFile,
        UnixFileType.Directory => DeviceFileType.Directory,
        _ => DeviceFileType.Other,
    };

    // Four octal digits, so set-id and sticky bits show: 0660, 0666, 2660.
    internal static string FormatMode(int mode) => Convert.ToString(mode & 0xFFF, 8).PadLeft(4, '0');
}
