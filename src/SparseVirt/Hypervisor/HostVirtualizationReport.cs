using System.Text.Json.Serialization;
using SparseVirt.Hypervisor.Serialization;

namespace SparseVirt.Hypervisor;

/// <summary>The answer to "can this machine run KVM-accelerated VMs?": the facts gathered and the verdict on them.</summary>
public sealed record HostVirtualizationReport
{
    /// <summary>The JSON schema version this library writes (see docs/hypervisor.md).</summary>
    public const int CurrentSchemaVersion = 1;

    /// <summary>The JSON schema version of this report.</summary>
    [JsonRequired]
    public int SchemaVersion { get; init; } = CurrentSchemaVersion;

    /// <summary>True when KVM_CREATE_VM succeeded.</summary>
    public bool IsReady => Verdict.Status == VirtualizationStatus.Ready;

    /// <summary>The verdict: status, reason, remediation.</summary>
    public VirtualizationVerdict Verdict { get; init => field = value ?? new(); } = new();

    /// <summary>Everything observed, as plain data.</summary>
    public HostFacts Facts { get; init => field = value ?? new(); } = new();

    /// <summary>How long gathering the facts took, in milliseconds; null for reports built from recorded facts.</summary>
    public double? ElapsedMilliseconds { get; init; }

    /// <summary>The report for recorded facts, judged by <see cref="VirtualizationJudge.Judge"/>.</summary>
    public static HostVirtualizationReport FromFacts(HostFacts facts) => new() { Facts = facts, Verdict = VirtualizationJudge.Judge(facts) };

    /// <summary>The report as JSON (camelCase, enums as camelCase names), indented unless <paramref name="indented"/> is false.</summary>
    public string ToJson(bool indented = true) => HypervisorJson.Write(this, indented, context => context.HostVirtualizationReport);

    /// <summary>Reads a report written by <see cref="ToJson"/>.</summary>
    /// <exception cref="InvalidDataException">The JSON is malformed, not a report, or of a newer schema; the message says where.</exception>
    public static HostVirtualizationReport FromJson(string json) =>
        HypervisorJson.Read(json, "hypervisor report", HypervisorJsonContext.Default.HostVirtualizationReport, report => report.SchemaVersion);
}
