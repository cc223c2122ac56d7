using System.Text.Json.Serialization;

namespace SparseVirt.Qemu.GuestAgent;

/// <summary>Source-generated JSON contracts for the guest agent's typed replies.</summary>
[JsonSourceGenerationOptions(GenerationMode = JsonSourceGenerationMode.Metadata)]
[JsonSerializable(typeof(GuestAgentInfo))]
[JsonSerializable(typeof(GuestOsInfo))]
internal sealed partial class GuestAgentJsonContext : JsonSerializerContext
{
}
