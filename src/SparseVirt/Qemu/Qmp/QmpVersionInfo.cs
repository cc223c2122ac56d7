using System.Text.Json.Serialization;

namespace SparseVirt.Qemu.Qmp;

/// <summary>The reply of <c>query-version</c>, also found in the greeting.</summary>
public sealed record QmpVersionInfo
{
    /// <summary>The version numbers.</summary>
    [JsonPropertyName("qemu")]
    public QmpVersionNumbers Qemu { get; init; } = new();

    /// <summary>The distribution's package string, e.g. <c>Debian 1:7.2+dfsg-7</c>.</summary>
    [JsonPropertyName("package")]
    public string Package { get; init; } = "";

    /// <summary>
    /// This, with members the JSON left out set to their defaults: the source-generated deserializer sets init-only
    /// members it did not find to null, whatever their initializers say (found by fuzzing: a greeting without
    /// <c>qemu</c> made the connection fail with a <see cref="NullReferenceException"/>).
    /// </summary>
    internal QmpVersionInfo WithMissingMembersDefaulted() =>
        Qemu is null || Package is null ? this with { Qemu = Qemu ?? new QmpVersionNumbers(), Package = Package ?? "" } : this;
}
