using System.Text.Json;
using System.Text.Json.Serialization;

namespace SparseVirt.Hypervisor.Serialization;

/// <summary>The source-generated (reflection-free, NativeAOT-safe) JSON contract of the report and the facts.</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    WriteIndented = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    ReadCommentHandling = JsonCommentHandling.Skip,
    AllowTrailingCommas = true,
    Converters =
    [
        typeof(CamelCaseEnumConverter<VirtualizationStatus>),
        typeof(CamelCaseEnumConverter<SystemCallError>),
        typeof(CamelCaseEnumConverter<OperatingSystemKind>),
        typeof(CamelCaseEnumConverter<HypervisorVendor>),
        typeof(CamelCaseEnumConverter<DeviceFileType>),
        typeof(CamelCaseEnumConverter<FirmwareVirtualizationState>),
        typeof(CamelCaseEnumConverter<Accelerator>),
        typeof(CamelCaseEnumConverter<AndroidCpuAcceleration>),
    ])]
[JsonSerializable(typeof(HostVirtualizationReport))]
[JsonSerializable(typeof(HostFacts))]
internal sealed partial class HypervisorJsonContext : JsonSerializerContext
{
    /// <summary>The same contract written on one line, for logs.</summary>
    // Built on first use: a static initializer here could run before the generated Default exists.
    public static HypervisorJsonContext Compact => s_compact ??= new(new JsonSerializerOptions(Default.Options) { WriteIndented = false });

    private static HypervisorJsonContext? s_compact;
}
