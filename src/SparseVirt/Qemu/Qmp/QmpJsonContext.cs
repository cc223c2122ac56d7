using System.Text.Json.Serialization;

namespace SparseVirt.Qemu.Qmp;

/// <summary>Source-generated (reflection-free, trim- and AOT-safe) JSON contracts for the typed QMP helpers.</summary>
[JsonSourceGenerationOptions(GenerationMode = JsonSourceGenerationMode.Metadata)]
[JsonSerializable(typeof(QmpGreeting))]
[JsonSerializable(typeof(QmpVersionInfo))]
[JsonSerializable(typeof(QmpStatusInfo))]
[JsonSerializable(typeof(QmpKvmInfo))]
[JsonSerializable(typeof(QmpBlockInfo[]))]
[JsonSerializable(typeof(HumanMonitorCommandArguments))]
[JsonSerializable(typeof(QmpCpuInfo[]))]
[JsonSerializable(typeof(QmpBlockJobInfo[]))]
internal sealed partial class QmpJsonContext : JsonSerializerContext
{
}
