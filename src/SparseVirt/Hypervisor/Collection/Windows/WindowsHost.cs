using System.Runtime.InteropServices;
using System.Runtime.Versioning;
using Microsoft.Win32.SafeHandles;
using SparseVirt.Interop;

namespace SparseVirt.Hypervisor.Collection.Windows;

/// <summary>The real Windows calls behind <see cref="IWindowsHost"/>. Every failure becomes an outcome, never an exception.</summary>
[SupportedOSPlatform("windows")]
internal sealed class WindowsHost : IWindowsHost
{
    private const int ErrorSuccess = 0;

    public Version? Version => Environment.OSVersion.Version;

    public bool? IsProcessorFeaturePresent(int feature) => Guard(() => (bool?)(Kernel32.IsProcessorFeaturePresent(feature) != 0), null);

    public bool? KeyExists(string subKey) => Guard(() =>
    {
        int status = Advapi32.RegOpenKeyEx(Advapi32.LocalMachine, subKey, 0, Advapi32.KeyQueryValue | Advapi32.KeyWow64View64, out SafeRegistryKeyHandle key);
        using (key)
        {
            return status switch
            {
                ErrorSuccess => true,
                2 or 3 => false, // ERROR_FILE_NOT_FOUND, ERROR_PATH_NOT_FOUND
                _ => (bool?)null,
            };
        }
    }, null);

    public unsafe int? ReadDword(string subKey, string valueName) => Guard(() =>
    {
        int status = Advapi32.RegOpenKeyEx(Advapi32.LocalMachine, subKey, 0, Advapi32.KeyQueryValue | Advapi32.KeyWow64View64, out SafeRegistryKeyHandle key);
        using (key)
        {
            if (status != ErrorSuccess)
            {
                return null;
            }
            int value = 0;
            int size = sizeof(int);
            status = Advapi32.RegQueryValueEx(key, valueName, 0, out int type, (byte*)&value, ref size);
            return status == ErrorSuccess && type == Advapi32.RegistryDword && size == sizeof(int) ? value : (int?)null;
        }
    }, null);

    public SystemCallOutcome LoadHypervisorPlatform() => Guard(() =>
        NativeLibrary.TryLoad(Libraries.WinHvPlatform, typeof(WindowsHost).Assembly, DllImportSearchPath.System32, out _)
            ? SystemCallOutcome.Success()
            : PlatformErrors.FromWin32Error(126), // ERROR_MOD_NOT_FOUND: TryLoad keeps no error of its own
        Failed);

    public unsafe SystemCallOutcome HypervisorPresent() => Guard(() =>
    {
        // The buffer is a WHV_CAPABILITY union; 64 bytes covers it, and HypervisorPresent is its first BOOL.
        byte* buffer = stackalloc byte[64];
        new Span<byte>(buffer, 64).Clear();
        int hresult = WinHvPlatform.WHvGetCapability(WinHvPlatform.CapabilityCodeHypervisorPresent, buffer, 64, out _);
        return hresult < 0 ? PlatformErrors.FromHResult(hresult) : SystemCallOutcome.Success(*(int*)buffer != 0 ? 1 : 0);
    }, Failed);

    public unsafe WindowsHypervisorPlatformFacts TrialPartition(WindowsHypervisorPlatformFacts soFar) => Guard(() =>
    {
        int hresult = WinHvPlatform.WHvCreatePartition(out SafeWhvPartitionHandle partition);
        if (hresult < 0)
        {
            partition.SetHandleAsInvalid();
            return soFar with { CreatePartition = PlatformErrors.FromHResult(hresult) };
        }
        WindowsHypervisorPlatformFacts facts = soFar with { CreatePartition = SystemCallOutcome.Success() };
        uint processors = 1;
        hresult = WinHvPlatform.WHvSetPartitionProperty(partition, WinHvPlatform.PartitionPropertyCodeProcessorCount, &processors, sizeof(uint));
        facts = facts with { SetProcessorCount = hresult < 0 ? PlatformErrors.FromHResult(hresult) : SystemCallOutcome.Success() };
        if (hresult >= 0)
        {
            hresult = WinHvPlatform.WHvSetupPartition(partition);
            facts = facts with { SetupPartition = hresult < 0 ? PlatformErrors.FromHResult(hresult) : SystemCallOutcome.Success() };
        }
        if (hresult >= 0)
        {
            // A partition that sets up proves only that the hypervisor answers: a guest has to run on it.
            facts = facts with { Trial = WhvTrialGuest.RunOn(partition, CancellationToken.None) };
        }
        partition.Dispose();
        return facts with
        {
            DeletePartition = partition.DeleteResult is { } deleted && deleted < 0 ? PlatformErrors.FromHResult(deleted) : SystemCallOutcome.Success(),
        };
    }, soFar with { CreatePartition = Failed });

    public unsafe (SystemCallOutcome Open, SystemCallOutcome? Version) ProbeDevice(string devicePath, uint versionIoctl, int versionOutputSize, int versionOffset) => Guard(() =>
    {
        using SafeFileHandle device = Kernel32.CreateFile(
            devicePath, Kernel32.GenericRead | Kernel32.GenericWrite, Kernel32.FileShareReadWrite, 0, Kernel32.OpenExisting, Kernel32.FileAttributeNormal, 0);
        if (device.IsInvalid)
        {
            return (PlatformErrors.FromWin32Error(Marshal.GetLastPInvokeError()), (SystemCallOutcome?)null);
        }
        byte* output = stackalloc byte[16];
        new Span<byte>(output, 16).Clear();
        int outputSize = Math.Min(versionOutputSize, 16);
        if (Kernel32.DeviceIoControl(device, versionIoctl, null, 0, output, (uint)outputSize, out uint returned, 0) == 0)
        {
            return (SystemCallOutcome.Success(), PlatformErrors.FromWin32Error(Marshal.GetLastPInvokeError()));
        }
        SystemCallOutcome version = returned >= versionOffset + sizeof(int)
            ? SystemCallOutcome.Success(*(int*)(output + versionOffset))
            : SystemCallOutcome.Success();
        return (SystemCallOutcome.Success(), version);
    }, (Failed, null));

    // A missing export or library, or a call the platform (Wine, an old build) does not implement, is a fact too.
    private static readonly SystemCallOutcome Failed = new() { Succeeded = false, Error = SystemCallError.NotSupported, ErrnoName = "EXCEPTION", Message = "the call could not be made" };

    private static T Guard<T>(Func<T> call, T fallback)
    {
        try
        {
            return call();
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException or BadImageFormatException)
        {
            return fallback;
        }
    }
}
