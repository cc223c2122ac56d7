using Microsoft.Win32.SafeHandles;

namespace SparseVirt.Interop;

/// <summary>A Windows Hypervisor Platform partition, deleted exactly once; the delete's HRESULT is kept as a fact.</summary>
internal sealed class SafeWhvPartitionHandle : SafeHandleZeroOrMinusOneIsInvalid
{
    public SafeWhvPartitionHandle()
        : base(ownsHandle: true)
    {
    }

    /// <summary>The HRESULT of <c>WHvDeletePartition</c>, once the handle was released.</summary>
    public int? DeleteResult { get; private set; }

    protected override bool ReleaseHandle()
    {
        DeleteResult = WinHvPlatform.WHvDeletePartition(handle);
        return DeleteResult >= 0;
    }
}
