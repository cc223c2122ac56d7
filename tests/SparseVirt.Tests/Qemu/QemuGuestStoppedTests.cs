using SparseVirt.Qemu;
using SparseVirt.Tests.Infrastructure;
using SparseVirt.Tests.TestGuests;

namespace SparseVirt.Tests.Qemu;

/// <summary>
/// <see cref="QemuMachine.WaitForGuestAsync"/> against a real QEMU: a VM that stops by itself in a run state it cannot
/// leave ends the wait with a typed failure naming the accelerator. A guest panic (pvpanic, panic action pause) is the
/// stop TCG can be made to show; KVM's internal error takes the same path (QMP STOP, then query-status), with run
/// state internal-error instead.
/// </summary>
public class QemuGuestStoppedTests
{
    [Test]
    public async Task A_guest_that_stops_in_a_failed_run_state_ends_the_wait_with_a_typed_failure()
    {
        using var folder = new TempDirectory();
        string disk = folder.Combine("panic.raw");
        BootSectorGuest.WriteDisk(disk, "about to panic", BootSectorGuestEnding.Panic);
        QemuMachineDefinition definition = QemuTestMachines.Booting(disk, "pc", QemuDiskInterface.Ide)
            .WithExtraArguments("-device", "pvpanic", "-action", "panic=pause");

        await using QemuMachine machine = await QemuMachine.StartAsync(definition, QemuTestMachines.Options);
        QemuGuestStoppedException? failure = await Assert.ThrowsAsync<QemuGuestStoppedException>(() => machine.WaitForGuestAsync().WaitAsync(QemuTestMachines.EventTimeout));

        Assert.Multiple(() =>
        {
            Assert.That(failure!.RunState, Is.EqualTo(QemuGuestStoppedException.GuestPanickedRunState));
            Assert.That(failure.Accelerator, Is.EqualTo(QemuAccelerator.Tcg));
            Assert.That(failure.IsAcceleratorFailure, Is.False);
            Assert.That(failure.Message, Does.Contain("guest-panicked").And.Contain("the guest panicked"));
            Assert.That(machine.HasExited, Is.False, "QEMU stays, stopped, for the caller to inspect or stop");
        });
    }

    [Test]
    public async Task A_guest_that_powers_off_ends_the_wait_with_the_exit_code()
    {
        using var folder = new TempDirectory();
        string disk = folder.Combine("off.raw");
        BootSectorGuest.WriteDisk(disk, "powering off", BootSectorGuestEnding.PowerOff);

        await using QemuMachine machine = await QemuMachine.StartAsync(QemuTestMachines.Booting(disk), QemuTestMachines.Options);
        // A pause asked for over QMP is no failure: the wait goes on through it.
        Task<int> waiting = machine.WaitForGuestAsync();
        await machine.Qmp.PauseAsync();
        await machine.Qmp.ResumeAsync();

        Assert.That(await waiting.WaitAsync(QemuTestMachines.EventTimeout), Is.Zero);
    }
}
