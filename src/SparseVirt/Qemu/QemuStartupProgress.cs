namespace SparseVirt.Qemu;

/// <summary>A start-up progress report.</summary>
/// <param name="Stage">The step just reached.</param>
/// <param name="ProcessId">The QEMU process id.</param>
public sealed record QemuStartupProgress(QemuStartupStage Stage, int ProcessId);
