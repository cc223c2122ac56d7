namespace SparseVirt.Hypervisor.Collection.MacOS;

/// <summary>
/// The macOS calls the collector makes (<c>sysctlbyname</c> and Hypervisor.framework), behind a seam:
/// <see cref="MacOSFactsCollector"/>'s logic is unit-tested on any system with values from Apple's documentation and
/// public reports, because macOS itself cannot run in this project's CI. <see cref="MacOSHost"/> makes the real
/// calls. No member throws: a failing call is an outcome.
/// </summary>
internal interface IMacOSHost
{
    /// <summary>An integer sysctl; the outcome's value is the integer, <c>notFound</c> when the name does not exist.</summary>
    SystemCallOutcome SysctlInteger(string name);

    /// <summary>A string sysctl; null when missing or unreadable.</summary>
    string? SysctlString(string name);

    /// <summary>Loads Hypervisor.framework.</summary>
    SystemCallOutcome LoadFramework();

    /// <summary><c>hv_vm_create</c> with the default configuration.</summary>
    SystemCallOutcome CreateVm();

    /// <summary>Runs the arm64 trial guest on the VM just created (Apple silicon only; see <see cref="HvfTrialGuest"/>).</summary>
    KvmTrialFacts RunTrialGuest(CancellationToken cancellationToken);

    /// <summary><c>hv_vm_destroy</c>.</summary>
    SystemCallOutcome DestroyVm();
}
