using System.Text.Json.Serialization;

namespace SparseVirt.Qemu.Qmp;

/// <summary>One entry of <c>query-block-jobs</c>.</summary>
public sealed record QmpBlockJobInfo
{
    /// <summary>The job type, e.g. <c>mirror</c>, <c>stream</c>, <c>commit</c>, <c>backup</c>.</summary>
    [JsonPropertyName("type")]
    public string Type { get; init; } = "";

    /// <summary>The job id (named <c>device</c> for compatibility).</summary>
    [JsonPropertyName("device")]
    public string Device { get; init; } = "";

    /// <summary>The estimated total work, in bytes.</summary>
    [JsonPropertyName("len")]
    public long Length { get; init; }

    /// <summary>The work done so far, in bytes.</summary>
    [JsonPropertyName("offset")]
    public long Offset { get; init; }

    /// <summary>Whether the job is paused.</summary>
    [JsonPropertyName("paused")]
    public bool Paused { get; init; }

    /// <summary>Whether the job is ready to be completed (mirror).</summary>
    [JsonPropertyName("ready")]
    public bool Ready { get; init; }

    /// <summary>The job status, e.g. <c>running</c> or <c>concluded</c>.</summary>
    [JsonPropertyName("status")]
    public string Status { get; init; } = "";
}
