using System.Text.Json.Serialization;
using SparseVirt.Hypervisor.Serialization;

namespace SparseVirt.Hypervisor;

/// <summary>
/// The answer to "which hardware accelerator can this process use, and if none, why?": the facts gathered, a verdict
/// per accelerator that applies to this system, the best one, and the Android Emulator's code for it.
/// </summary>
public sealed record HostVirtualizationReport
{
    /// <summary>The JSON schema version this library writes (see docs/hypervisor.md).</summary>
    public const int CurrentSchemaVersion = 3;

    /// <summary>The JSON schema version of this report.</summary>
    [JsonRequired]
    public int SchemaVersion { get; init; } = CurrentSchemaVersion;

    /// <summary>True when a hardware accelerator's trial VM succeeded (KVM_CREATE_VM, a WHPX partition, hv_vm_create, or an AEHD/HAXM driver answered).</summary>
    public bool IsReady => Verdict.Status == VirtualizationStatus.Ready;

    /// <summary>The verdict on the best accelerator: ready when one is usable, otherwise why the system's own accelerator is not.</summary>
    public VirtualizationVerdict Verdict { get; init => field = value ?? new(); } = new();

    /// <summary>The accelerator <see cref="Verdict"/> is about when it is ready; <see cref="Accelerator.Tcg"/> when no hardware accelerator is usable (schema 2).</summary>
    public Accelerator BestAccelerator { get; init; }

    /// <summary>QEMU's <c>-accel</c> value to use: <c>kvm</c>, <c>whpx</c> or <c>hvf</c> when usable, else <c>tcg</c> (schema 2).</summary>
    public string QemuAccelerator { get; init => field = value ?? "tcg"; } = "tcg";

    /// <summary>Every accelerator that applies to this system, its own first and TCG last, each with its verdict (schema 2).</summary>
    public IReadOnlyList<AcceleratorVerdict> Accelerators { get; init => field = value ?? []; } = [];

    /// <summary>The verdict as the Android Emulator's <c>-accel-check</c> states it (schema 2).</summary>
    public AndroidEmulatorCheck Emulator { get; init => field = value ?? new(); } = new();

    /// <summary>Everything observed, as plain data.</summary>
    public HostFacts Facts { get; init => field = value ?? new(); } = new();

    /// <summary>How long gathering the facts took, in milliseconds; null for reports built from recorded facts.</summary>
    public double? ElapsedMilliseconds { get; init; }

    /// <summary>The report for recorded facts, judged by <see cref="VirtualizationJudge.JudgeAccelerators"/>.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="facts"/> is null.</exception>
    public static HostVirtualizationReport FromFacts(HostFacts facts)
    {
        IReadOnlyList<AcceleratorVerdict> accelerators = VirtualizationJudge.JudgeAccelerators(facts);
        AcceleratorVerdict best = VirtualizationJudge.Best(accelerators);
        return new HostVirtualizationReport
        {
            Facts = facts,
            Verdict = best.Verdict,
            BestAccelerator = best.IsUsable ? best.Accelerator : Accelerator.Tcg,
            QemuAccelerator = VirtualizationJudge.QemuAccelerator(accelerators),
            Accelerators = accelerators,
            Emulator = AndroidEmulatorCompatibility.Check(facts, accelerators),
        };
    }

    /// <summary>The report as JSON (camelCase, enums as camelCase names), indented unless <paramref name="indented"/> is false.</summary>
    public string ToJson(bool indented = true) => HypervisorJson.Write(this, indented, context => context.HostVirtualizationReport);

    /// <summary>Reads a report written by <see cref="ToJson"/>.</summary>
    /// <exception cref="InvalidDataException">The JSON is malformed, not a report, or of a newer schema; the message says where.</exception>
    public static HostVirtualizationReport FromJson(string json) =>
        HypervisorJson.Read(json, "hypervisor report", HypervisorJsonContext.Default.HostVirtualizationReport, report => report.SchemaVersion);
}
