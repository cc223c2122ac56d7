namespace SparseVirt.Hypervisor;

public static partial class VirtualizationJudge
{
    /// <summary>
    /// Judges the facts: the verdict on the best accelerator, the one <see cref="HostVirtualizationReport.Verdict"/>
    /// carries (ready when any hardware accelerator is usable, otherwise why the system's own accelerator is not).
    /// Never throws for any fact set, however incomplete.
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="facts"/> is null.</exception>
    public static VirtualizationVerdict Judge(HostFacts facts) => Best(JudgeAccelerators(facts)).Verdict;

    /// <summary>
    /// Judges every accelerator that applies to the facts' operating system, its own accelerator first: Linux KVM;
    /// Windows WHPX, AEHD, HAXM; macOS HVF; then TCG, always usable. Fact sets without the section of their system
    /// (schema 1 recorded on Windows or macOS) get the KVM judgement they always had.
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="facts"/> is null.</exception>
    public static IReadOnlyList<AcceleratorVerdict> JudgeAccelerators(HostFacts facts)
    {
        ArgumentNullException.ThrowIfNull(facts);
        var verdicts = new List<AcceleratorVerdict>();
        switch (facts.OperatingSystem.Kind)
        {
            case OperatingSystemKind.Windows when facts.Windows is { } windows:
                verdicts.Add(Entry(Accelerator.Whpx, "whpx", JudgeWhpx(facts, windows)));
                verdicts.Add(Entry(Accelerator.Aehd, null, JudgeWindowsDriver(facts, windows, Accelerator.Aehd)));
                verdicts.Add(Entry(Accelerator.Haxm, null, JudgeWindowsDriver(facts, windows, Accelerator.Haxm)));
                break;
            case OperatingSystemKind.MacOS when facts.MacOS is { } macOS:
                verdicts.Add(Entry(Accelerator.Hvf, "hvf", JudgeHvf(facts, macOS)));
                break;
            default:
                verdicts.Add(Entry(Accelerator.Kvm, "kvm", JudgeKvm(facts)));
                break;
        }
        verdicts.Add(Entry(Accelerator.Tcg, "tcg", Verdict(
            VirtualizationStatus.Ready,
            "QEMU's software emulation (TCG) needs no hardware support and always works, many times slower than a hardware accelerator")));
        return verdicts;
    }

    /// <summary>
    /// The best of <paramref name="verdicts"/>: the first usable hardware accelerator, or when none is usable the
    /// first (the system's own accelerator), whose verdict explains why.
    /// </summary>
    /// <exception cref="ArgumentException">The list is empty.</exception>
    public static AcceleratorVerdict Best(IReadOnlyList<AcceleratorVerdict> verdicts)
    {
        ArgumentNullException.ThrowIfNull(verdicts);
        if (verdicts.Count == 0)
        {
            throw new ArgumentException("There are no accelerator verdicts to choose from.", nameof(verdicts));
        }
        return verdicts.FirstOrDefault(verdict => verdict.IsUsable && verdict.Accelerator != Accelerator.Tcg) ?? verdicts[0];
    }

    /// <summary>QEMU's <c>-accel</c> value for the best usable accelerator QEMU has (<c>kvm</c>, <c>whpx</c>, <c>hvf</c>), else <c>tcg</c>.</summary>
    public static string QemuAccelerator(IReadOnlyList<AcceleratorVerdict> verdicts)
    {
        ArgumentNullException.ThrowIfNull(verdicts);
        return verdicts.FirstOrDefault(verdict => verdict.IsUsable && verdict.QemuAccelerator is not null)?.QemuAccelerator ?? "tcg";
    }

    private static AcceleratorVerdict Entry(Accelerator accelerator, string? qemu, VirtualizationVerdict verdict) =>
        new() { Accelerator = accelerator, QemuAccelerator = qemu, Verdict = verdict };

    // A Windows or macOS guest whose virtual CPU shows no VT-x/AMD-V (an arm64 guest has no CPUID to tell).
    private static bool IsGuestWithoutExtensions(CpuFacts? cpu) =>
        cpu is { HypervisorPresent: true, HasVirtualizationExtensions: false } && cpu.HyperVRootPartition != true;

    private static string GuestOf(CpuFacts cpu) => cpu.HypervisorName ?? "an unnamed hypervisor";
}
