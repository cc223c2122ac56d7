namespace SparseVirt.Qemu;

/// <summary>A step of <see cref="QemuMachine.StartAsync"/>.</summary>
public enum QemuStartupStage
{
    /// <summary>The QEMU process runs; its id is known.</summary>
    ProcessStarted,

    /// <summary>QEMU connected to the monitor socket.</summary>
    MonitorConnected,

    /// <summary>QMP is negotiated and the accelerator in use is known.</summary>
    Ready,
}
