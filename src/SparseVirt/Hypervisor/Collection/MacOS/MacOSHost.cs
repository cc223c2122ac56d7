using System.Runtime.InteropServices;
using System.Runtime.Versioning;
using System.Text;
using SparseVirt.Interop;

namespace SparseVirt.Hypervisor.Collection.MacOS;

/// <summary>The real macOS calls behind <see cref="IMacOSHost"/>.</summary>
[SupportedOSPlatform("macos")]
internal sealed class MacOSHost : IMacOSHost
{
    private const int MaxStringLength = 256;

    public unsafe SystemCallOutcome SysctlInteger(string name) => Guard(() =>
    {
        long value = 0;
        nuint length = sizeof(long);
        if (LibSystem.SysctlByName(name, &value, ref length, null, 0) != 0)
        {
            return SystemCallResults.FromLastError();
        }
        // Integer sysctls are 4 bytes (int) or 8 (quad); the value was read little-endian into the low bytes.
        return SystemCallOutcome.Success(length == sizeof(int) ? (int)value : value);
    });

    public unsafe string? SysctlString(string name)
    {
        try
        {
            byte* buffer = stackalloc byte[MaxStringLength];
            nuint length = MaxStringLength;
            if (LibSystem.SysctlByName(name, buffer, ref length, null, 0) != 0)
            {
                return null;
            }
            var text = new ReadOnlySpan<byte>(buffer, (int)Math.Min(length, MaxStringLength));
            int end = text.IndexOf((byte)0);
            return Encoding.UTF8.GetString(end < 0 ? text : text[..end]).Trim();
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return null;
        }
    }

    public SystemCallOutcome LoadFramework() => Guard(() =>
        NativeLibrary.TryLoad(Libraries.HypervisorFramework, out _)
            ? SystemCallOutcome.Success()
            : new SystemCallOutcome { Succeeded = false, Error = SystemCallError.NotFound, ErrnoName = "ENOENT", Message = "Hypervisor.framework could not be loaded" });

    public SystemCallOutcome CreateVm() => Guard(() =>
    {
        int status = HypervisorFramework.HvVmCreate(0);
        return status == HypervisorFramework.Success ? SystemCallOutcome.Success() : PlatformErrors.FromHypervisorReturn(status);
    });

    public KvmTrialFacts RunTrialGuest(CancellationToken cancellationToken) => HvfTrialGuest.RunOnThisVm(cancellationToken);

    public SystemCallOutcome DestroyVm() => Guard(() =>
    {
        int status = HypervisorFramework.HvVmDestroy();
        return status == HypervisorFramework.Success ? SystemCallOutcome.Success() : PlatformErrors.FromHypervisorReturn(status);
    });

    private static SystemCallOutcome Guard(Func<SystemCallOutcome> call)
    {
        try
        {
            return call();
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return new SystemCallOutcome { Succeeded = false, Error = SystemCallError.NotSupported, Message = e.Message };
        }
    }
}
