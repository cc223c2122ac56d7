using System.Text.Json.Serialization;

namespace SparseVirt.Qemu.GuestAgent;

/// <summary>The reply of <c>guest-info</c>.</summary>
public sealed record GuestAgentInfo
{
    /// <summary>The agent's version.</summary>
    [JsonPropertyName("version")]
    public string Version { get; init; } = "";

    /// <summary>The commands the agent knows, enabled or not.</summary>
    [JsonPropertyName("supported_commands")]
    public IReadOnlyList<GuestAgentCommandInfo> SupportedCommands { get; init; } = [];

    /// <summary>
    /// This, with members the JSON left out (or gave as null) set to their defaults and null entries of the command list
    /// dropped: the source-generated deserializer sets init-only members it did not find to null, whatever their
    /// initializers say (found by fuzzing: a <c>guest-info</c> reply without <c>supported_commands</c> gave a null list).
    /// </summary>
    internal GuestAgentInfo WithMissingMembersDefaulted() => this with
    {
        Version = Version ?? "",
        SupportedCommands = [.. (SupportedCommands ?? []).OfType<GuestAgentCommandInfo>().Select(c => c.Name is null ? c with { Name = "" } : c)],
    };
}

/// <summary>One command of <see cref="GuestAgentInfo.SupportedCommands"/>.</summary>
public sealed record GuestAgentCommandInfo
{
    /// <summary>The command's name.</summary>
    [JsonPropertyName("name")]
    public string Name { get; init; } = "";

    /// <summary>Whether the command is enabled.</summary>
    [JsonPropertyName("enabled")]
    public bool Enabled { get; init; }

    /// <summary>Whether the command answers on success (<c>guest-shutdown</c> does not).</summary>
    [JsonPropertyName("success-response")]
    public bool SuccessResponse { get; init; }
}

/// <summary>The reply of <c>guest-get-osinfo</c>; members the guest OS does not report are <see langword="null"/>.</summary>
public sealed record GuestOsInfo
{
    /// <summary>The OS id, e.g. <c>debian</c> or <c>mswindows</c>.</summary>
    [JsonPropertyName("id")]
    public string? Id { get; init; }

    /// <summary>The OS name.</summary>
    [JsonPropertyName("name")]
    public string? Name { get; init; }

    /// <summary>The full name with version.</summary>
    [JsonPropertyName("pretty-name")]
    public string? PrettyName { get; init; }

    /// <summary>The OS version.</summary>
    [JsonPropertyName("version")]
    public string? Version { get; init; }

    /// <summary>The kernel release, e.g. <c>6.1.0-13-amd64</c>.</summary>
    [JsonPropertyName("kernel-release")]
    public string? KernelRelease { get; init; }

    /// <summary>The machine, e.g. <c>x86_64</c>.</summary>
    [JsonPropertyName("machine")]
    public string? Machine { get; init; }
}
