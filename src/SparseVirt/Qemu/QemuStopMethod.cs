namespace SparseVirt.Qemu;

/// <summary>How a VM ended when it was stopped.</summary>
public enum QemuStopMethod
{
    /// <summary>QEMU had already exited (the guest powered off, or it crashed).</summary>
    AlreadyExited,

    /// <summary>The guest powered down after <c>system_powerdown</c>.</summary>
    GuestPowerdown,

    /// <summary>QEMU exited on QMP <c>quit</c>.</summary>
    Quit,

    /// <summary>The process tree was killed.</summary>
    Killed,
}
