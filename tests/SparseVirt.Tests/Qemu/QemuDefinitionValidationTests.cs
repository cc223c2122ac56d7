using System.Collections.Immutable;
using SparseVirt.Qemu;
using SparseVirt.Qemu.CommandLine;

namespace SparseVirt.Tests.Qemu;

/// <summary>Validation: every problem is collected into one exception, each naming its option.</summary>
[TestFixture]
public sealed class QemuDefinitionValidationTests
{
    [Test]
    public void Every_problem_is_reported_at_once_naming_its_option()
    {
        QemuMachineDefinition definition = new QemuMachineDefinition(QemuArchitecture.X86_64)
            .WithAccelerators(QemuAccelerator.Kvm, QemuAccelerator.Tcg)
            .WithCpuModel("host")
            .WithSmp(new QemuSmp(6, sockets: 2, cores: 2, threads: 2))
            .WithMemory(new QemuMemorySize(1000))
            .WithDisk(new QemuDisk("", QemuDiskFormat.Raw).WithBootIndex(0))
            .WithDisk(new QemuDisk("b.raw", QemuDiskFormat.Raw).WithInterface(QemuDiskInterface.Ide).WithReadOnly().WithBootIndex(0))
            .WithNetwork(new QemuUserNetwork().WithPortForward(new QemuPortForward(-1, 22)));
        var error = Assert.Throws<QemuDefinitionException>(() => definition.ToArguments());
        Assert.That(error!.Problems, Has.Count.EqualTo(7));
        Assert.That(error.Problems, Has.One.StartsWith("-cpu (CpuModel): 'host'").And.Contains("tcg"));
        Assert.That(error.Problems, Has.One.StartsWith("-smp (Smp)").And.Contains("= 8, but Cpus is 6"));
        Assert.That(error.Problems, Has.One.StartsWith("-m (Memory)").And.Contains("1000 bytes"));
        Assert.That(error.Problems, Has.One.StartsWith("Disks[0].Path"));
        Assert.That(error.Problems, Has.One.StartsWith("Disks[1].ReadOnly"));
        Assert.That(error.Problems, Has.One.StartsWith("Disks[1].BootIndex").And.Contains("Disks[0]"));
        Assert.That(error.Problems, Has.One.StartsWith("hostfwd (Network.PortForwards[0])").And.Contains("host port -1"));
        Assert.That(error.Message, Does.Contain("7 problems"));
    }

    [Test]
    public void Host_cpu_with_only_hardware_accelerators_is_valid()
    {
        QemuMachineDefinition definition = new QemuMachineDefinition(QemuArchitecture.X86_64).WithAccelerators(QemuAccelerator.Kvm).WithCpuModel("host");
        Assert.That(definition.GetProblems(), Is.Empty);
    }

    [Test]
    public void Accelerators_must_be_present_and_distinct()
    {
        QemuMachineDefinition none = new QemuMachineDefinition(QemuArchitecture.X86_64).WithAccelerators();
        Assert.That(none.GetProblems(), Has.One.StartsWith("-accel (Accelerators): at least one"));
        QemuMachineDefinition twice = new QemuMachineDefinition(QemuArchitecture.X86_64).WithAccelerators(QemuAccelerator.Tcg, QemuAccelerator.Tcg);
        Assert.That(twice.GetProblems(), Has.One.Contains("tcg is listed 2 times"));
    }

    [Test]
    public void A_partial_smp_topology_is_rejected()
    {
        QemuMachineDefinition definition = new QemuMachineDefinition(QemuArchitecture.X86_64).WithSmp(new QemuSmp(4).WithSockets(2));
        Assert.That(definition.GetProblems(), Has.One.Contains("sockets, cores and threads all together"));
    }

    [Test]
    public void Uninitialized_lists_and_a_null_serial_are_reported_not_crashed_on()
    {
        // The public surface cannot produce default lists any more (the setters are private); reflection still can.
        QemuMachineDefinition definition = new QemuMachineDefinition(QemuArchitecture.X86_64).WithSerial(null!);
        typeof(QemuMachineDefinition).GetProperty(nameof(QemuMachineDefinition.Disks))!.SetValue(definition, default(ImmutableArray<QemuDisk>));
        typeof(QemuMachineDefinition).GetProperty(nameof(QemuMachineDefinition.ExtraArguments))!.SetValue(definition, default(ImmutableArray<string>));
        IReadOnlyList<string> problems = definition.GetProblems();
        Assert.That(problems, Has.One.StartsWith("Disks:").And.Contains("uninitialized"));
        Assert.That(problems, Has.One.StartsWith("ExtraArguments:"));
        Assert.That(problems, Has.One.StartsWith("-serial (Serial)"));
    }

    [Test]
    public void Disks_on_machine_none_and_ide_on_aarch64_are_rejected()
    {
        var disk = new QemuDisk("a.raw", QemuDiskFormat.Raw);
        Assert.That(new QemuMachineDefinition(QemuArchitecture.X86_64).WithMachineType("none").WithDisk(disk).GetProblems(), Has.One.Contains("'none' has no buses"));
        Assert.That(new QemuMachineDefinition(QemuArchitecture.Aarch64).WithDisk(disk.WithInterface(QemuDiskInterface.Ide)).GetProblems(), Has.One.Contains("IDE exists only on x86"));
    }

    [Test]
    public void A_file_or_socket_serial_console_needs_a_path()
    {
        QemuMachineDefinition definition = new QemuMachineDefinition(QemuArchitecture.X86_64).WithSerial(QemuSerialConsole.ToFile(""));
        Assert.That(definition.GetProblems(), Has.One.StartsWith("-serial (Serial.Path)"));
    }

    [Test]
    public void The_binary_is_found_on_PATH_per_architecture_or_reported_missing()
    {
        using var folder = new Infrastructure.TempDirectory();
        string fake = folder.Combine("qemu-system-aarch64");
        File.WriteAllText(fake, "");
        Assert.That(QemuBinaryLocator.Resolve(null, QemuArchitecture.Aarch64, "/nonexistent" + Path.PathSeparator + folder.FullPath), Is.EqualTo(fake));
        var error = Assert.Throws<QemuBinaryNotFoundException>(() => QemuBinaryLocator.Resolve(null, QemuArchitecture.X86_64, folder.FullPath));
        Assert.That(error!.Message, Does.Contain("qemu-system-x86_64").And.Contain("PATH"));
        Assert.That(error.FileName, Is.EqualTo("qemu-system-x86_64"));
    }

    [Test]
    public void Memory_sizes_render_with_an_explicit_unit()
    {
        Assert.That(QemuMemorySize.FromGibibytes(1).ToQemuValue(), Is.EqualTo("1024M"));
        Assert.That(QemuMemorySize.FromMebibytes(32).IsWholeMebibytes, Is.True);
        Assert.That(new QemuMemorySize(1024 * 1024 + 1).IsWholeMebibytes, Is.False);
        Assert.That(new QemuMemorySize(0).IsWholeMebibytes, Is.False);
    }
}
