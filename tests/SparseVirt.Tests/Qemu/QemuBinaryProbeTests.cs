using System.Diagnostics;
using SparseVirt.Qemu;
using SparseVirt.Qemu.Probing;

namespace SparseVirt.Tests.Qemu;

/// <summary>Probing the installed QEMU, and refusing a definition it cannot run before it starts.</summary>
[TestFixture]
[CancelAfter(60_000)]
public sealed class QemuBinaryProbeTests
{
    [Test]
    public async Task The_probe_finds_screendumps_format_argument_the_json_device_feature_machines_and_accelerators()
    {
        string qemu = QemuTestMachines.RequireQemu();
        QemuBinaryCapabilities capabilities = await QemuBinaryProbe.ProbeAsync(qemu);

        Assert.That(capabilities.Schema.Has("screendump/arg-type/format"), Is.True);
        Assert.That(capabilities.Schema.Has("screendump/arg-type/format/^png"), Is.True);
        Assert.That(capabilities.Schema.Has("device_add/$json-cli-hotplug"), Is.True);
        Assert.That(capabilities.Schema.Has("device_add/$no-such-feature"), Is.False);
        Assert.That(capabilities.Schema.Has("screendump/arg-type/no-such-member"), Is.False);
        Assert.That(capabilities.Schema.Has("query-block/ret-type/inserted/drv"), Is.True, "through the array and the nested object");
        Assert.That(capabilities.Schema.Has("no-such-command"), Is.False);
        Assert.That(capabilities.Machines, Does.Contain("q35").And.Contain("pc").And.Contain("none"));
        Assert.That(capabilities.CpuModels, Does.Contain("max"));
        Assert.That(capabilities.Accelerators, Does.Contain("tcg"));
        Assert.That(capabilities.Types, Does.Contain("virtio-net-pci"));
        Assert.That(capabilities.DeviceProperties["virtio-net-pci"], Does.Contain("mac").And.Contain("netdev"));
        Assert.That(capabilities.Version.Major, Is.GreaterThanOrEqualTo(6));

        var cached = Stopwatch.StartNew();
        QemuBinaryCapabilities again = await QemuBinaryProbe.ProbeAsync(qemu);
        cached.Stop();
        Assert.That(again, Is.SameAs(capabilities), "an unchanged binary is not probed twice");
        TestContext.Out.WriteLine($"probe from the cache: {cached.Elapsed.TotalMilliseconds:0.###} ms");
    }

    [Test]
    public async Task A_paused_machine_starts_while_its_binary_is_probed_and_is_checked_all_the_same()
    {
        QemuBinaryProbe.ClearCache();
        QemuMachineDefinition definition = QemuTestMachines.Bare().WithMachineType("q35").WithStartPaused();
        await using QemuMachine machine = await QemuMachine.StartAsync(definition, QemuTestMachines.Options);

        QemuBinaryCapabilities probed = await QemuBinaryProbe.ProbeAsync(machine.BinaryPath);
        Assert.That(probed.Machines, Does.Contain("q35"), "the binary the machine runs was probed");
        Assert.That(machine.ExitCode, Is.Null, "QEMU runs (paused)");
    }

    [Test]
    public async Task A_device_property_QEMU_does_not_have_is_refused_before_launch_naming_it()
    {
        QemuMachineDefinition definition = QemuTestMachines.Bare().WithMachineType("q35").WithStartPaused().WithExtraArguments("-device", "virtio-net-pci,bogus=1");
        var error = await Assert.ThrowsAsync<QemuDefinitionException>(async () => await QemuMachine.StartAsync(definition, QemuTestMachines.Options));
        Assert.That(error!.Problems, Has.One.Contains("virtio-net-pci").And.Contains("'bogus'"));
    }

    [Test]
    public async Task An_unknown_machine_and_device_are_refused_before_launch_naming_them([Values] bool startPaused)
    {
        // Paused, QEMU is launched while the binary is probed (from scratch here) and fails by itself first; the
        // definition's problems are still what the caller is told.
        QemuBinaryProbe.ClearCache();
        QemuMachineDefinition definition = QemuTestMachines.Bare().WithMachineType("no-such-board").WithStartPaused(startPaused)
            .WithExtraArguments("-device", "{\"driver\": \"no-such-card\"}");
        var error = await Assert.ThrowsAsync<QemuDefinitionException>(async () => await QemuMachine.StartAsync(definition, QemuTestMachines.Options));
        Assert.That(error!.Problems, Has.One.Contains("'no-such-board'"));
        Assert.That(error.Problems, Has.One.Contains("'no-such-card'"));
    }
}
