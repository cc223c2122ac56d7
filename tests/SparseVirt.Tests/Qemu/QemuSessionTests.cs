using System.Globalization;
using SparseVirt.Qemu;

namespace SparseVirt.Tests.Qemu;

/// <summary>QEMU runs in a session of its own, so a terminal's Ctrl+C reaches only the launching process.</summary>
[CancelAfter(60_000)]
public sealed class QemuSessionTests
{
    [Test]
    public async Task QemuGetsASessionOfItsOwnAndItsPidIsQemusOwn()
    {
        QemuTestMachines.RequireQemu();
        await using QemuMachine machine = await QemuMachine.StartAsync(QemuTestMachines.Bare(), QemuTestMachines.Options);

        Assert.Multiple(() =>
        {
            Assert.That(File.ReadAllText($"/proc/{machine.ProcessId}/comm").Trim(), Does.StartWith("qemu-system"), "the pid is QEMU's, not a wrapper's");
            Assert.That(SessionOf(machine.ProcessId), Is.EqualTo(machine.ProcessId), "QEMU leads its own session");
            Assert.That(SessionOf(Environment.ProcessId), Is.Not.EqualTo(machine.ProcessId));
        });
    }

    [Test]
    public async Task WithoutOwnSessionQemuStaysInTheCallersSession()
    {
        QemuTestMachines.RequireQemu();
        await using QemuMachine machine = await QemuMachine.StartAsync(QemuTestMachines.Bare(), QemuTestMachines.Options.WithOwnSession(false));

        Assert.That(SessionOf(machine.ProcessId), Is.EqualTo(SessionOf(Environment.ProcessId)));
    }

    /// <summary>The session id: field 6 of /proc/PID/stat, counted after the parenthesized command name.</summary>
    private static int SessionOf(int processId)
    {
        string stat = File.ReadAllText($"/proc/{processId}/stat");
        string[] afterName = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return int.Parse(afterName[3], CultureInfo.InvariantCulture);
    }
}
