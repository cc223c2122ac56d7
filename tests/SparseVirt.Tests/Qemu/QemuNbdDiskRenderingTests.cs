using SparseVirt.Qemu;

namespace SparseVirt.Tests.Qemu;

/// <summary>NBD disks render as <c>-blockdev driver=nbd</c> nodes; a qcow2 overlay names its base as backing.</summary>
public sealed class QemuNbdDiskRenderingTests
{
    private static QemuMachineDefinition Minimal => new QemuMachineDefinition(QemuArchitecture.X86_64).WithMemory(QemuMemorySize.FromMebibytes(64));

    private static List<string> ValuesOf(IReadOnlyList<string> arguments, string option) =>
        arguments.Select((argument, index) => (argument, index)).Where(p => p.argument == option).Select(p => arguments[p.index + 1]).ToList();

    [Test]
    public void A_unix_socket_export_is_one_nbd_node_with_the_export_name_escaped()
    {
        QemuDisk disk = QemuDisk.FromNbd(QemuNbdSource.UnixSocket("/run/a,b/nbd.sock", "sys,tem"));
        IReadOnlyList<string> arguments = Minimal.WithDisk(disk).ToArguments();

        Assert.That(disk.Path, Is.EqualTo("nbd+unix:///sys%2Ctem?socket=/run/a,b/nbd.sock"));
        Assert.That(ValuesOf(arguments, "-blockdev"), Is.EqualTo(new[] { "driver=nbd,node-name=disk0,server.type=unix,server.path=/run/a,,b/nbd.sock,export=sys,,tem" }));
        Assert.That(ValuesOf(arguments, "-device"), Is.EqualTo(new[] { "virtio-blk-pci,drive=disk0,id=disk0-device" }));
    }

    [Test]
    public void A_tcp_export_with_a_qcow2_overlay_is_read_only_under_the_overlay()
    {
        QemuDisk disk = QemuDisk.FromNbd(QemuNbdSource.Tcp("127.0.0.1", 10809, "disk")).WithQcow2Overlay("/tmp/w.qcow2");
        IReadOnlyList<string> arguments = Minimal.WithDisk(disk).ToArguments();

        Assert.That(ValuesOf(arguments, "-blockdev"), Is.EqualTo(new[]
        {
            "driver=nbd,node-name=disk0-base,server.type=inet,server.host=127.0.0.1,server.port=10809,export=disk,read-only=on",
            "driver=file,node-name=disk0-overlay,filename=/tmp/w.qcow2",
            "driver=qcow2,node-name=disk0,file=disk0-overlay,backing=disk0-base",
        }));
    }

    [Test]
    public void Snapshot_on_an_nbd_disk_is_refused_by_validation()
    {
        QemuMachineDefinition definition = Minimal.WithDisk(QemuDisk.FromNbd(QemuNbdSource.UnixSocket("/s", "d")).WithSnapshot());
        var e = Assert.Throws<QemuDefinitionException>(() => definition.ToArguments());
        Assert.That(e!.Message, Does.Contain("Snapshot"));
    }
}
