using System.Globalization;

namespace SparseVirt.Hypervisor;

/// <summary>
/// The verdict as the Android Emulator's <c>emulator -accel-check</c> states it: a stable code, its symbol and one
/// line of text, printed as the <c>accel:</c> block (<see cref="ToAccelCheckOutput"/>).
/// </summary>
public sealed record AndroidEmulatorCheck
{
    /// <summary>
    /// The code (the process exit status of <c>-accel-check</c>); <see cref="AndroidCpuAcceleration.Error"/> unless
    /// set, so a version-1 report read back never claims readiness it did not record.
    /// </summary>
    public AndroidCpuAcceleration Code { get; init; } = AndroidCpuAcceleration.Error;

    /// <summary>The code's number.</summary>
    public int CodeValue => (int)Code;

    /// <summary>The emulator's symbol for the code (<c>ANDROID_CPU_ACCELERATION_READY</c>).</summary>
    public string Symbol => "ANDROID_CPU_ACCELERATION_" + Code switch
    {
        AndroidCpuAcceleration.Ready => "READY",
        AndroidCpuAcceleration.NestedNotSupported => "NESTED_NOT_SUPPORTED",
        AndroidCpuAcceleration.IntelRequired => "INTEL_REQUIRED",
        AndroidCpuAcceleration.NoCpuSupport => "NO_CPU_SUPPORT",
        AndroidCpuAcceleration.NoCpuVtxSupport => "NO_CPU_VTX_SUPPORT",
        AndroidCpuAcceleration.NoCpuNxSupport => "NO_CPU_NX_SUPPORT",
        AndroidCpuAcceleration.AccelNotInstalled => "ACCEL_NOT_INSTALLED",
        AndroidCpuAcceleration.AccelObsolete => "ACCEL_OBSOLETE",
        AndroidCpuAcceleration.DevNotFound => "DEV_NOT_FOUND",
        AndroidCpuAcceleration.VtDisabled => "VT_DISABLED",
        AndroidCpuAcceleration.NxDisabled => "NX_DISABLED",
        AndroidCpuAcceleration.DevPermission => "DEV_PERMISSION",
        AndroidCpuAcceleration.DevOpenFailed => "DEV_OPEN_FAILED",
        AndroidCpuAcceleration.DevIoctlFailed => "DEV_IOCTL_FAILED",
        AndroidCpuAcceleration.DevObsolete => "DEV_OBSOLETE",
        AndroidCpuAcceleration.HyperVEnabled => "HYPERV_ENABLED",
        _ => "ERROR",
    };

    /// <summary>One line: what is usable, or why nothing is.</summary>
    public string Text { get; init => field = value ?? ""; } = "";

    /// <summary>The accelerator the code is about (the usable one, or the one whose failure decided); null when none applies.</summary>
    public Accelerator? Accelerator { get; init; }

    /// <summary>
    /// The block <c>emulator -accel-check</c> prints: <c>accel:</c>, the code, the text, <c>accel</c>, each on its
    /// own line, ending with a newline.
    /// </summary>
    public string ToAccelCheckOutput() =>
        string.Create(CultureInfo.InvariantCulture, $"accel:\n{CodeValue}\n{Text.ReplaceLineEndings(" ")}\naccel\n");
}
