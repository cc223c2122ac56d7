namespace SparseVirt.Tests.TestGuests;

/// <summary>What a <see cref="BootSectorGuest"/> does after printing its line.</summary>
internal enum BootSectorGuestEnding
{
    /// <summary>Powers the machine off through ACPI (QEMU reports SHUTDOWN with reason guest-shutdown).</summary>
    PowerOff,

    /// <summary>Halts with interrupts off, forever: it ignores the ACPI power button (system_powerdown).</summary>
    HaltForever,

    /// <summary>Prints the line again and again, forever.</summary>
    RepeatForever,
}
