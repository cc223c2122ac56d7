using Microsoft.Win32.SafeHandles;

namespace SparseVirt.Interop;

/// <summary>An open registry key, closed exactly once.</summary>
internal sealed class SafeRegistryKeyHandle : SafeHandleZeroOrMinusOneIsInvalid
{
    public SafeRegistryKeyHandle()
        : base(ownsHandle: true)
    {
    }

    protected override bool ReleaseHandle() => Advapi32.RegCloseKey(handle) == 0;
}
