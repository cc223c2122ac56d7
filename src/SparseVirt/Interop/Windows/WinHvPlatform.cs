namespace SparseVirt.Interop;

/// <summary>
/// The Windows Hypervisor Platform API (WinHvPlatform.dll, present only when the "Windows Hypervisor Platform"
/// feature is on). Every function returns an HRESULT. Callers load the library first
/// (<see cref="System.Runtime.InteropServices.NativeLibrary.TryLoad(string, System.Reflection.Assembly, System.Runtime.InteropServices.DllImportSearchPath?, out nint)"/>)
/// so its absence is a fact, not a <see cref="DllNotFoundException"/>.
/// </summary>
internal static partial class WinHvPlatform
{
    /// <summary><c>WHvCapabilityCodeHypervisorPresent</c>: a BOOL.</summary>
    internal const int CapabilityCodeHypervisorPresent = 0x00000000;

    /// <summary><c>WHvPartitionPropertyCodeProcessorCount</c>: a UINT32.</summary>
    internal const int PartitionPropertyCodeProcessorCount = 0x00001fff;
}
