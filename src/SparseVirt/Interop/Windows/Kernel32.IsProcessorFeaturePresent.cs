using System.Runtime.InteropServices;

namespace SparseVirt.Interop;

internal static partial class Kernel32
{
    /// <summary><c>PF_NX_ENABLED</c>: data execution prevention is on.</summary>
    internal const int ProcessorFeatureNxEnabled = 12;

    /// <summary><c>PF_SECOND_LEVEL_ADDRESS_TRANSLATION</c>: EPT or RVI.</summary>
    internal const int ProcessorFeatureSecondLevelAddressTranslation = 20;

    /// <summary><c>PF_VIRT_FIRMWARE_ENABLED</c>: firmware left VT-x/AMD-V on (reads false whenever a hypervisor already runs).</summary>
    internal const int ProcessorFeatureVirtualizationFirmwareEnabled = 21;

    /// <summary><c>BOOL IsProcessorFeaturePresent(DWORD ProcessorFeature)</c>; it sets no last error.</summary>
    [LibraryImport(Libraries.Kernel32)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.System32)]
    internal static partial int IsProcessorFeaturePresent(int processorFeature);
}
