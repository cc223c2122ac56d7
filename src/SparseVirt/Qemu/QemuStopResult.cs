namespace SparseVirt.Qemu;

/// <summary>The outcome of <see cref="QemuMachine.StopAsync"/>.</summary>
/// <param name="Method">The step that ended QEMU.</param>
/// <param name="ExitCode">QEMU's exit code.</param>
public sealed record QemuStopResult(QemuStopMethod Method, int ExitCode);
