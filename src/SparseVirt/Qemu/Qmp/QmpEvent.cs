using System.Text.Json;

namespace SparseVirt.Qemu.Qmp;

/// <summary>An asynchronous QMP event, e.g. <c>STOP</c>, <c>RESUME</c> or <c>SHUTDOWN</c>.</summary>
/// <param name="Name">The event name (<c>event</c>).</param>
/// <param name="Data">The event's data (<c>data</c>), or a JSON <c>undefined</c> element when it has none.</param>
/// <param name="Timestamp">When QEMU emitted it, or <see langword="null"/> when QEMU could not read the host clock.</param>
public sealed record QmpEvent(string Name, JsonElement Data, DateTimeOffset? Timestamp)
{
    /// <summary>A string member of <see cref="Data"/>, e.g. <c>reason</c> of <c>SHUTDOWN</c>; <see langword="null"/> when absent.</summary>
    public string? GetDataString(string member) =>
        Data.ValueKind == JsonValueKind.Object && Data.TryGetProperty(member, out JsonElement value) && value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : null;
}
