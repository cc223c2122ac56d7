namespace SparseVirt.Tests.TestGuests;

/// <summary>What a <see cref="BootSectorGuest"/> does after printing its line.</summary>
internal enum BootSectorGuestEnding
{
    /// <summary>Powers the machine off through ACPI (QEMU reports SHUTDOWN with reason guest-shutdown).</summary>
    PowerOff,

    /// <summary>Waits for the ACPI power button (QMP system_powerdown), then powers off like <see cref="PowerOff"/>.</summary>
    PowerOffOnPowerButton,

    /// <summary>Halts with interrupts off, forever: it ignores the ACPI power button (system_powerdown).</summary>
    HaltForever,

    /// <summary>Echoes every byte received on COM1 back to it, forever.</summary>
    EchoInput,

    /// <summary>Prints the line again and again, forever.</summary>
    RepeatForever,

    /// <summary>Reports a panic to QEMU's ISA pvpanic device (writes 1 to port 0x505), then halts for good.</summary>
    Panic,
}
