using SparseVirt.Qemu;
using SparseVirt.Qemu.Disks;

namespace SparseVirt.Tests.Qemu;

/// <summary>What an NBD disk may not be: QEMU's temporary snapshot overlay exists only for <c>-drive</c> files.</summary>
public sealed class QemuNbdDiskRenderingTests
{
    private static QemuMachineDefinition Minimal => new QemuMachineDefinition(QemuArchitecture.X86_64).WithMemory(QemuMemorySize.FromMebibytes(64));

    [Test]
    public void Snapshot_on_an_nbd_disk_is_refused_by_validation()
    {
        QemuMachineDefinition definition = Minimal.WithDisk(new QemuDisk(QemuNbdExport.OnUnixSocket("/s", "d")).WithSnapshot());
        var e = Assert.Throws<QemuDefinitionException>(() => definition.ToArguments());
        Assert.That(e!.Message, Does.Contain("napshot"));
    }
}
