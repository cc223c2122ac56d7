using System.Net.Sockets;
using System.Text.Json.Nodes;
using SparseVirt.Qemu;
using SparseVirt.Qemu.Qmp;
using SparseVirt.Tests.Infrastructure;

namespace SparseVirt.Tests.Qemu;

/// <summary>The typed QMP vocabulary against the real QEMU (TCG, paused with -S so nothing runs but the monitor).</summary>
[TestFixture]
[CancelAfter(120_000)]
public sealed class QmpTypedCommandTests
{
    private static readonly TimeSpan JobTimeout = TimeSpan.FromSeconds(60);

    private static string CreateQcow2(TempDirectory folder, string name)
    {
        string qemuImg = ExternalTool.Require("qemu-img", "qemu-utils");
        string path = folder.Combine(name);
        ExternalTool.RunChecked(qemuImg, "create", "-q", "-f", "qcow2", path, "16M");
        return path;
    }

    private static QemuMachineDefinition Paused() => QemuTestMachines.Bare().WithMachineType("q35").WithStartPaused();

    [Test]
    public async Task Snapshots_are_saved_loaded_and_deleted_as_jobs_and_info_snapshots_confirms_each_step()
    {
        using var folder = new TempDirectory();
        string disk = CreateQcow2(folder, "snap.qcow2");
        QemuMachineDefinition definition = Paused().WithDisk(new QemuDisk(disk, QemuDiskFormat.Qcow2));
        await using QemuMachine machine = await QemuMachine.StartAsync(definition, QemuTestMachines.Options);
        QmpClient qmp = machine.Qmp;

        await qmp.SnapshotSaveAsync("first", "disk0", ["disk0"], JobTimeout);
        Assert.That(await qmp.HumanMonitorCommandAsync("info snapshots"), Does.Contain("first"));

        await qmp.SnapshotLoadAsync("first", "disk0", ["disk0"], JobTimeout);
        Assert.That(await qmp.HumanMonitorCommandAsync("info snapshots"), Does.Contain("first"));

        var missing = await Assert.ThrowsAsync<QmpJobException>(() => qmp.SnapshotLoadAsync("no-such-tag", "disk0", ["disk0"], JobTimeout));
        Assert.That(missing!.Error, Does.Contain("no-such-tag"), "QEMU's own message");

        await qmp.SnapshotDeleteAsync("first", ["disk0"], JobTimeout);
        Assert.That(await qmp.HumanMonitorCommandAsync("info snapshots"), Does.Not.Contain("first"));
        Assert.That((await qmp.ExecuteAsync("query-jobs")).GetArrayLength(), Is.Zero, "every job was dismissed");
    }

    [Test]
    public async Task A_qcow2_node_a_usb_storage_device_and_a_netdev_are_hotplugged_and_unplugged()
    {
        using var folder = new TempDirectory();
        string image = CreateQcow2(folder, "hot.qcow2");
        QemuMachineDefinition definition = Paused().WithExtraArguments("-device", "qemu-xhci,id=xhci");
        await using QemuMachine machine = await QemuMachine.StartAsync(definition, QemuTestMachines.Options);
        QmpClient qmp = machine.Qmp;

        await qmp.BlockdevAddImageAsync("hot0", image, QemuDiskFormat.Qcow2);
        await qmp.DeviceAddAsync("usb-storage", "usb0", new JsonObject { ["drive"] = "hot0", ["bus"] = "xhci.0" });
        IReadOnlyList<QmpBlockInfo> attached = await qmp.QueryBlockAsync();
        Assert.That(attached.Select(b => b.Qdev), Has.Some.Contains("usb0"));

        await qmp.DeviceDelAsync("usb0", QemuTestMachines.EventTimeout);
        Assert.That((await qmp.QueryBlockAsync()).Select(b => b.Qdev), Has.None.Contains("usb0"));
        await qmp.BlockdevDelAsync("hot0");
        await qmp.BlockdevDelAsync("hot0-file");
        var gone = await Assert.ThrowsAsync<QmpErrorException>(() => qmp.BlockdevDelAsync("hot0"));
        Assert.That(gone!.Description, Does.Contain("hot0"));

        await qmp.NetdevAddAsync("user", "hotnet", new JsonObject { ["restrict"] = true });
        Assert.That(await qmp.HumanMonitorCommandAsync("info network"), Does.Contain("hotnet"));
        await qmp.NetdevDelAsync("hotnet");
        Assert.That(await qmp.HumanMonitorCommandAsync("info network"), Does.Not.Contain("hotnet"));
    }

    [Test]
    public async Task Screendump_writes_a_png_and_the_machine_queries_answer()
    {
        using var folder = new TempDirectory();
        QemuMachineDefinition definition = Paused().WithName("typed-queries").WithExtraArguments("-device", "VGA");
        await using QemuMachine machine = await QemuMachine.StartAsync(definition, QemuTestMachines.Options);
        QmpClient qmp = machine.Qmp;

        string png = folder.Combine("screen.png");
        await qmp.ScreendumpPngAsync(png);
        byte[] bytes = File.ReadAllBytes(png);
        Assert.That(bytes.Take(8), Is.EqualTo(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A }));

        Assert.That(await qmp.QueryNameAsync(), Is.EqualTo("typed-queries"));
        IReadOnlyList<QmpCpuInfo> cpus = await qmp.QueryCpusFastAsync();
        Assert.That(cpus, Has.Count.EqualTo(1));
        Assert.That(cpus[0].Target, Is.EqualTo("x86_64"));
        Assert.That(await qmp.QueryBlockJobsAsync(), Is.Empty);

        Assert.That((await qmp.QueryStatusAsync()).Status, Is.EqualTo("prelaunch"));
        QmpEventMark mark = qmp.MarkEvents();
        await qmp.ResumeAsync();
        await qmp.WaitForEventAsync("RESUME", null, QemuTestMachines.EventTimeout, mark);
        mark = qmp.MarkEvents();
        await qmp.SystemResetAsync();
        await qmp.WaitForEventAsync("RESET", e => e.GetDataString("reason") == "host-qmp-system-reset", QemuTestMachines.EventTimeout, mark);
        mark = qmp.MarkEvents();
        await qmp.PauseAsync();
        await qmp.WaitForEventAsync("STOP", null, QemuTestMachines.EventTimeout, mark);
        Assert.That((await qmp.QueryStatusAsync()).Running, Is.False);
    }

    [Test]
    public async Task A_port_forward_from_port_zero_reports_the_bound_port_which_accepts_a_connection()
    {
        QemuMachineDefinition definition = Paused().WithNetwork(new QemuUserNetwork().WithPortForward(new QemuPortForward(0, 22)));
        await using QemuMachine machine = await QemuMachine.StartAsync(definition, QemuTestMachines.Options);

        IReadOnlyList<QmpHostForward> forwards = await machine.Qmp.QueryHostForwardsAsync();
        Assert.That(forwards, Has.Count.EqualTo(1));
        Assert.That(forwards[0].Protocol, Is.EqualTo("TCP"));
        Assert.That(forwards[0].HostAddress, Is.EqualTo("127.0.0.1"));
        Assert.That(forwards[0].GuestPort, Is.EqualTo(22));
        Assert.That(forwards[0].HostPort, Is.InRange(1, 65535));
        using var client = new TcpClient();
        await client.ConnectAsync("127.0.0.1", forwards[0].HostPort);
        Assert.That(client.Connected, Is.True);
    }

    [Test]
    public async Task A_machine_with_the_guest_agent_channel_serves_it_on_a_private_socket()
    {
        await using QemuMachine machine = await QemuMachine.StartAsync(Paused().WithGuestAgent(), QemuTestMachines.Options);
        Assert.That(machine.GuestAgentSocketPath, Is.Not.Null);
        Assert.That(File.Exists(machine.GuestAgentSocketPath), Is.True, "QEMU listens on it");
        string chardevs = (await machine.Qmp.ExecuteAsync("query-chardev")).GetRawText();
        Assert.That(chardevs, Does.Contain("guestagent"));
        string ports = await machine.Qmp.HumanMonitorCommandAsync("info qtree");
        Assert.That(ports, Does.Contain("org.qemu.guest_agent.0"));
    }
}
