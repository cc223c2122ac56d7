using SparseVirt.Qemu;
using SparseVirt.Qemu.Disks;

namespace SparseVirt.Tests.Qemu;

/// <summary>The argument list a definition renders (no QEMU needed).</summary>
[TestFixture]
public sealed class QemuArgumentRenderingTests
{
    private static QemuMachineDefinition Minimal => new QemuMachineDefinition(QemuArchitecture.X86_64).WithMemory(QemuMemorySize.FromMebibytes(64));

    /// <summary>The value following each occurrence of <paramref name="option"/>.</summary>
    private static List<string> ValuesOf(IReadOnlyList<string> arguments, string option) =>
        arguments.Select((argument, index) => (argument, index)).Where(p => p.argument == option).Select(p => arguments[p.index + 1]).ToList();

    [Test]
    public void Defaults_render_q35_kvm_then_tcg_no_defaults_no_user_config_and_no_display()
    {
        IReadOnlyList<string> arguments = new QemuMachineDefinition(QemuArchitecture.X86_64).ToArguments();
        Assert.That(arguments, Is.EqualTo(new[]
        {
            "-machine", "type=q35", "-accel", "kvm", "-accel", "tcg", "-m", "512M", "-nodefaults", "-no-user-config", "-display", "none",
        }));
    }

    [Test]
    public void Aarch64_defaults_to_the_virt_machine()
    {
        Assert.That(ValuesOf(new QemuMachineDefinition(QemuArchitecture.Aarch64).ToArguments(), "-machine"), Is.EqualTo(new[] { "type=virt" }));
    }

    [Test]
    public void Commas_in_option_values_are_doubled()
    {
        QemuMachineDefinition definition = Minimal
            .WithName("vm,one")
            .WithDisk(new QemuDisk("/images/a,b c.raw", QemuDiskFormat.Raw))
            .WithSerial(QemuSerialConsole.ToFile("/logs/serial,1.txt"));
        IReadOnlyList<string> arguments = definition.ToArguments();
        Assert.That(ValuesOf(arguments, "-name"), Is.EqualTo(new[] { "guest=vm,,one" }));
        Assert.That(ValuesOf(arguments, "-blockdev")[0], Is.EqualTo("driver=file,node-name=disk0-file,filename=/images/a,,b c.raw"));
        Assert.That(ValuesOf(arguments, "-chardev"), Is.EqualTo(new[] { "file,id=serial0,path=/logs/serial,,1.txt" }));
    }

    [Test]
    public void Kernel_initrd_and_command_line_are_passed_verbatim_because_QEMU_does_not_split_them()
    {
        IReadOnlyList<string> arguments = Minimal.WithKernelBoot(new QemuKernelBoot("/boot/k,1", "/boot/i,1", "console=ttyS0,115200 quiet")).ToArguments();
        Assert.That(ValuesOf(arguments, "-kernel"), Is.EqualTo(new[] { "/boot/k,1" }));
        Assert.That(ValuesOf(arguments, "-initrd"), Is.EqualTo(new[] { "/boot/i,1" }));
        Assert.That(ValuesOf(arguments, "-append"), Is.EqualTo(new[] { "console=ttyS0,115200 quiet" }));
    }

    [Test]
    public void Disks_use_blockdev_with_an_explicit_format_and_a_device_per_interface()
    {
        QemuMachineDefinition definition = Minimal
            .WithDisk(new QemuDisk("a.qcow2", QemuDiskFormat.Qcow2).WithBootIndex(0).WithReadOnly())
            .WithDisk(new QemuDisk("b.raw", QemuDiskFormat.Raw).WithInterface(QemuDiskInterface.Scsi).WithCache(QemuDiskCacheMode.None))
            .WithDisk(new QemuDisk("c.raw", QemuDiskFormat.Raw).WithInterface(QemuDiskInterface.Nvme).WithCache(QemuDiskCacheMode.Unsafe))
            .WithDisk(new QemuDisk("d.raw", QemuDiskFormat.Raw).WithInterface(QemuDiskInterface.Ide).WithCache(QemuDiskCacheMode.Writethrough).WithBootIndex(1));
        IReadOnlyList<string> arguments = definition.ToArguments();
        Assert.That(ValuesOf(arguments, "-blockdev"), Is.EqualTo(new[]
        {
            "driver=file,node-name=disk0-file,filename=a.qcow2,read-only=on",
            "driver=qcow2,node-name=disk0,file=disk0-file,read-only=on",
            "driver=file,node-name=disk1-file,filename=b.raw,cache.direct=on,cache.no-flush=off",
            "driver=raw,node-name=disk1,file=disk1-file,cache.direct=on,cache.no-flush=off",
            "driver=file,node-name=disk2-file,filename=c.raw,cache.direct=off,cache.no-flush=on",
            "driver=raw,node-name=disk2,file=disk2-file,cache.direct=off,cache.no-flush=on",
            "driver=file,node-name=disk3-file,filename=d.raw,cache.direct=off,cache.no-flush=off",
            "driver=raw,node-name=disk3,file=disk3-file,cache.direct=off,cache.no-flush=off",
        }));
        Assert.That(ValuesOf(arguments, "-device"), Is.EqualTo(new[]
        {
            "virtio-scsi-pci,id=scsi0",
            "virtio-blk-pci,drive=disk0,id=disk0-device,bootindex=0",
            "scsi-hd,drive=disk1,id=disk1-device,bus=scsi0.0,write-cache=on",
            "nvme,drive=disk2,id=disk2-device,serial=disk2,write-cache=on",
            "ide-hd,drive=disk3,id=disk3-device,bootindex=1,write-cache=off",
        }));
    }

    [TestCase(QemuDiskInterface.VirtioBlock, new[] { "virtio-blk-pci,drive=disk0,id=disk0-device,bootindex=1", "virtio-blk-pci,drive=disk1,id=disk1-device" })]
    [TestCase(QemuDiskInterface.Ide, new[] { "ide-hd,drive=disk0,id=disk0-device,bootindex=1", "ide-hd,drive=disk1,id=disk1-device" })]
    [TestCase(QemuDiskInterface.Scsi, new[] { "virtio-scsi-pci,id=scsi0", "scsi-hd,drive=disk0,id=disk0-device,bus=scsi0.0,bootindex=1", "scsi-hd,drive=disk1,id=disk1-device,bus=scsi0.0" })]
    public void Each_bus_renders_its_device_for_a_file_and_an_NBD_export_and_SCSI_adds_one_controller(QemuDiskInterface bus, string[] devices)
    {
        IReadOnlyList<string> arguments = Minimal
            .WithDisk(new QemuDisk("a.raw", QemuDiskFormat.Raw).WithInterface(bus).WithBootIndex(1))
            .WithDisk(new QemuDisk(QemuNbdExport.OnUnixSocket("/run/sv/nbd.sock", "disk0")).WithInterface(bus))
            .ToArguments();
        Assert.That(ValuesOf(arguments, "-device"), Is.EqualTo(devices));
        Assert.That(ValuesOf(arguments, "-blockdev")[2], Does.StartWith("driver=nbd,node-name=disk1-file,server.type=unix"));
    }

    [Test]
    public void A_snapshot_disk_uses_drive_with_snapshot_on()
    {
        IReadOnlyList<string> arguments = Minimal.WithDisk(new QemuDisk("x,y.raw", QemuDiskFormat.Raw).WithSnapshot().WithCache(QemuDiskCacheMode.DirectSync)).ToArguments();
        Assert.That(ValuesOf(arguments, "-drive"), Is.EqualTo(new[] { "if=none,id=disk0,driver=raw,file.driver=file,file.filename=x,,y.raw,snapshot=on,cache=directsync" }));
        Assert.That(ValuesOf(arguments, "-blockdev"), Is.Empty);
        Assert.That(ValuesOf(arguments, "-device"), Is.EqualTo(new[] { "virtio-blk-pci,drive=disk0,id=disk0-device" }));
    }

    [Test]
    public void User_networking_renders_host_forwards_on_localhost_and_a_network_card()
    {
        var network = new QemuUserNetwork()
            .WithPortForward(new QemuPortForward(2222, 22))
            .WithPortForward(new QemuPortForward(5353, 53, QemuPortForwardProtocol.Udp, "0.0.0.0"));
        IReadOnlyList<string> arguments = Minimal.WithNetwork(network).ToArguments();
        Assert.That(ValuesOf(arguments, "-netdev"), Is.EqualTo(new[] { "user,id=net0,hostfwd=tcp:127.0.0.1:2222-:22,hostfwd=udp:0.0.0.0:5353-:53" }));
        Assert.That(ValuesOf(arguments, "-device"), Is.EqualTo(new[] { "virtio-net-pci,netdev=net0" }));
    }

    [Test]
    public void Cpu_smp_memory_paused_start_and_extra_arguments_render_in_place()
    {
        QemuMachineDefinition definition = Minimal
            .WithAccelerators(QemuAccelerator.Kvm)
            .WithCpuModel("host")
            .WithSmp(new QemuSmp(8, sockets: 2, cores: 2, threads: 2))
            .WithMemory(QemuMemorySize.FromGibibytes(2))
            .WithStartPaused()
            .WithSerial(QemuSerialConsole.ToUnixSocket("/run/vm/serial.sock"))
            .WithExtraArguments("-rtc", "base=utc");
        IReadOnlyList<string> arguments = definition.ToArguments();
        Assert.That(ValuesOf(arguments, "-accel"), Is.EqualTo(new[] { "kvm" }));
        Assert.That(ValuesOf(arguments, "-cpu"), Is.EqualTo(new[] { "host" }));
        Assert.That(ValuesOf(arguments, "-smp"), Is.EqualTo(new[] { "cpus=8,sockets=2,cores=2,threads=2" }));
        Assert.That(ValuesOf(arguments, "-m"), Is.EqualTo(new[] { "2048M" }));
        Assert.That(arguments, Does.Contain("-S"));
        Assert.That(ValuesOf(arguments, "-chardev"), Is.EqualTo(new[] { "socket,id=serial0,path=/run/vm/serial.sock,server=on,wait=off" }));
        Assert.That(ValuesOf(arguments, "-serial"), Is.EqualTo(new[] { "chardev:serial0" }));
        Assert.That(arguments.TakeLast(2), Is.EqualTo(new[] { "-rtc", "base=utc" }));
    }

    [Test]
    public void With_methods_return_changed_copies_and_leave_the_original_alone()
    {
        QemuMachineDefinition original = Minimal;
        QemuMachineDefinition changed = original.WithDisk(new QemuDisk("a.raw", QemuDiskFormat.Raw)).WithMachineType("pc").WithDisplay();
        Assert.That(original.Disks, Is.Empty);
        Assert.That(original.MachineType, Is.EqualTo("q35"));
        Assert.That(original.ToArguments(), Does.Contain("-display"));
        Assert.That(changed.Disks, Has.Length.EqualTo(1));
        Assert.That(changed.ToArguments(), Does.Not.Contain("-display"));
    }

    [Test]
    public void Captured_serial_is_left_to_the_launcher()
    {
        IReadOnlyList<string> arguments = Minimal.WithSerial(QemuSerialConsole.Captured).ToArguments();
        Assert.That(arguments, Does.Not.Contain("-chardev").And.Not.Contain("-serial"));
    }

    [Test]
    public void An_overlay_chain_renders_base_first_with_stable_read_only_backing_nodes()
    {
        var nbd = QemuNbdExport.OnUnixSocket("/run/nbd,1.sock", "system");
        var middle = new QemuOverlay("/images/mid.qcow2", nbd);
        var top = new QemuOverlay("/images/top.qcow2", middle);
        IReadOnlyList<string> arguments = Minimal.WithDisk(new QemuDisk(top).WithBootIndex(0)).ToArguments();
        Assert.That(ValuesOf(arguments, "-blockdev"), Is.EqualTo(new[]
        {
            "driver=nbd,node-name=disk0-b2-file,server.type=unix,server.path=/run/nbd,,1.sock,export=system,read-only=on",
            "driver=raw,node-name=disk0-b2,file=disk0-b2-file,read-only=on",
            "driver=file,node-name=disk0-b1-file,filename=/images/mid.qcow2,read-only=on",
            "driver=qcow2,node-name=disk0-b1,file=disk0-b1-file,backing=disk0-b2,read-only=on",
            "driver=file,node-name=disk0-file,filename=/images/top.qcow2",
            "driver=qcow2,node-name=disk0,file=disk0-file,backing=disk0-b1",
        }));
        Assert.That(ValuesOf(arguments, "-device"), Is.EqualTo(new[] { "virtio-blk-pci,drive=disk0,id=disk0-device,bootindex=0" }));
        Assert.That(top.Chain().Select(s => s.Describe()), Is.EqualTo(new[] { "/images/top.qcow2", "/images/mid.qcow2", "nbd+unix:///system?socket=/run/nbd,1.sock" }));
    }

    [Test]
    public void An_nbd_export_over_tcp_renders_an_inet_server()
    {
        IReadOnlyList<string> arguments = Minimal.WithDisk(new QemuDisk(QemuNbdExport.OnTcp("127.0.0.1", 10809, "disk"))).ToArguments();
        Assert.That(ValuesOf(arguments, "-blockdev")[0], Is.EqualTo("driver=nbd,node-name=disk0-file,server.type=inet,server.host=127.0.0.1,server.port=10809,export=disk"));
    }

    [Test]
    public void The_guest_agent_channel_is_a_virtserialport_named_org_qemu_guest_agent_0()
    {
        IReadOnlyList<string> arguments = Minimal.WithGuestAgent(socketPath: "/run/qga.sock").ToArguments();
        Assert.That(ValuesOf(arguments, "-chardev"), Is.EqualTo(new[] { "socket,id=guestagent,path=/run/qga.sock,server=on,wait=off" }));
        Assert.That(ValuesOf(arguments, "-device"), Is.EqualTo(new[]
        {
            "virtio-serial-pci,id=guestagent-serial",
            "virtserialport,bus=guestagent-serial.0,chardev=guestagent,name=org.qemu.guest_agent.0",
        }));
    }
}
