using System.Text.Json.Serialization;

namespace SparseVirt.Qemu.Qmp;

/// <summary>One entry of <c>query-cpus-fast</c>.</summary>
public sealed record QmpCpuInfo
{
    /// <summary>The CPU's index.</summary>
    [JsonPropertyName("cpu-index")]
    public int CpuIndex { get; init; }

    /// <summary>The CPU's QOM path.</summary>
    [JsonPropertyName("qom-path")]
    public string QomPath { get; init; } = "";

    /// <summary>The host thread that runs it.</summary>
    [JsonPropertyName("thread-id")]
    public long ThreadId { get; init; }

    /// <summary>The target architecture, e.g. <c>x86_64</c>.</summary>
    [JsonPropertyName("target")]
    public string Target { get; init; } = "";
}
