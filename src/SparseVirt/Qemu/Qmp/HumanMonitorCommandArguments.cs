using System.Text.Json.Serialization;

namespace SparseVirt.Qemu.Qmp;

/// <summary>The arguments of <c>human-monitor-command</c>.</summary>
internal sealed record HumanMonitorCommandArguments([property: JsonPropertyName("command-line")] string CommandLine);
