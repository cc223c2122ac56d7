using System.Text.Json.Serialization;

namespace SparseVirt.Qemu.Qmp;

/// <summary>The greeting QEMU sends as soon as a client connects (<c>{"QMP": {"version": ..., "capabilities": [...]}}</c>).</summary>
public sealed record QmpGreeting
{
    /// <summary>The server's version.</summary>
    [JsonPropertyName("version")]
    public QmpVersionInfo Version { get; init; } = new();

    /// <summary>The protocol capabilities the server offers (e.g. <c>oob</c>); empty when it lists none.</summary>
    [JsonPropertyName("capabilities")]
    public IReadOnlyList<string> Capabilities { get; init; } = [];
}
