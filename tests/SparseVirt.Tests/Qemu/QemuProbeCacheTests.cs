using System.Text.Json.Nodes;
using SparseVirt.Qemu;
using SparseVirt.Qemu.Probing;
using SparseVirt.Tests.Infrastructure;

namespace SparseVirt.Tests.Qemu;

/// <summary>
/// Probes kept in a folder between processes: a later process answers from the file without starting QEMU, and a
/// file that is stale, damaged or short of a device is never trusted. Each test probes the installed QEMU through a
/// link of its own, so its cache key (the binary's path) is its own too.
/// </summary>
[TestFixture]
[CancelAfter(120_000)]
public sealed class QemuProbeCacheTests
{
    [Test]
    public async Task A_probe_kept_in_a_folder_answers_a_later_process_from_the_file()
    {
        using var temp = new TempDirectory();
        string qemu = CopyOfQemu(temp);
        string folder = temp.Combine("probes");

        QemuBinaryCapabilities live = await QemuBinaryProbe.ProbeAsync(qemu, null, folder);
        string file = QemuProbeCacheFile.PathFor(folder, qemu);
        Assert.That(File.Exists(file), Is.True, "the probe is saved");
        if (!OperatingSystem.IsWindows())
        {
            Assert.That(File.GetUnixFileMode(folder), Is.EqualTo(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute));
        }

        // Mark the file, as a later process would find it: what that process gets must come from the file.
        JsonObject saved = JsonNode.Parse(File.ReadAllText(file))!.AsObject();
        saved["machines"]!.AsArray().Add(new JsonObject { ["name"] = "sparsevirt-cached-machine" });
        File.WriteAllText(file, saved.ToJsonString());
        QemuBinaryProbe.Forget(qemu);

        QemuBinaryCapabilities cached = await QemuBinaryProbe.ProbeAsync(qemu, null, folder);
        Assert.That(cached, Is.Not.SameAs(live));
        Assert.That(cached.Machines, Does.Contain("sparsevirt-cached-machine"), "answered from the file, not by a new probe");
        Assert.That(cached.Machines.Except(["sparsevirt-cached-machine"]), Is.EquivalentTo(live.Machines));
        Assert.That(cached.Types, Is.EquivalentTo(live.Types));
        Assert.That(cached.Accelerators, Is.EquivalentTo(live.Accelerators));
        Assert.That(cached.CpuModels, Is.EquivalentTo(live.CpuModels));
        Assert.That(cached.Version, Is.EqualTo(live.Version));
        Assert.That(cached.DeviceProperties.Keys, Is.EquivalentTo(live.DeviceProperties.Keys));
        Assert.That(cached.DeviceProperties["virtio-blk-pci"], Is.EquivalentTo(live.DeviceProperties["virtio-blk-pci"]));
        Assert.That(cached.Schema.Has("screendump/arg-type/format"), Is.True);
        Assert.That(cached.Schema.EntityCount, Is.EqualTo(live.Schema.EntityCount));
    }

    [TestCase("stale")]
    [TestCase("garbage")]
    [TestCase("truncated")]
    [TestCase("another binary")]
    public async Task A_cache_file_that_does_not_match_the_binary_is_ignored_and_replaced(string damage)
    {
        using var temp = new TempDirectory();
        string qemu = CopyOfQemu(temp);
        string folder = temp.Combine("probes");
        await QemuBinaryProbe.ProbeAsync(qemu, null, folder);
        string file = QemuProbeCacheFile.PathFor(folder, qemu);
        JsonObject saved = JsonNode.Parse(File.ReadAllText(file))!.AsObject();
        saved["machines"]!.AsArray().Add(new JsonObject { ["name"] = "sparsevirt-cached-machine" });
        switch (damage)
        {
            case "stale":
                saved["modified"] = saved["modified"]!.GetValue<long>() - 1;
                File.WriteAllText(file, saved.ToJsonString());
                break;
            case "another binary":
                saved["binary"] = "/usr/bin/some-other-qemu";
                File.WriteAllText(file, saved.ToJsonString());
                break;
            case "garbage":
                File.WriteAllText(file, "not a probe");
                break;
            case "truncated":
                string text = saved.ToJsonString();
                File.WriteAllText(file, text[..(text.Length / 2)]);
                break;
        }
        QemuBinaryProbe.Forget(qemu);

        QemuBinaryCapabilities probed = await QemuBinaryProbe.ProbeAsync(qemu, null, folder);
        Assert.That(probed.Machines, Does.Contain("q35").And.Not.Contain("sparsevirt-cached-machine"), "probed again");
        JsonObject replaced = JsonNode.Parse(File.ReadAllText(file))!.AsObject();
        Assert.That(replaced["modified"]!.GetValue<long>(), Is.EqualTo(File.GetLastWriteTimeUtc(qemu).Ticks), "the file is replaced by the new probe");
        Assert.That(replaced["binary"]!.GetValue<string>(), Is.EqualTo(qemu));
        Assert.That(Directory.GetFiles(folder), Has.Length.EqualTo(1), "no temporary file is left behind");
    }

    [Test]
    public async Task A_device_the_cache_file_lacks_is_probed_and_the_file_then_answers_for_both()
    {
        using var temp = new TempDirectory();
        string qemu = CopyOfQemu(temp);
        string folder = temp.Combine("probes");
        await QemuBinaryProbe.ProbeAsync(qemu, null, folder);
        QemuBinaryProbe.Forget(qemu);

        QemuBinaryCapabilities withE1000 = await QemuBinaryProbe.ProbeAsync(qemu, ["e1000", "no-such-device"], folder);
        Assert.That(withE1000.DeviceProperties["e1000"], Does.Contain("mac"));
        Assert.That(withE1000.DeviceProperties.Keys, Does.Contain("virtio-blk-pci"), "the devices probed before are kept");

        JsonObject saved = JsonNode.Parse(File.ReadAllText(QemuProbeCacheFile.PathFor(folder, qemu)))!.AsObject();
        Assert.That(saved["deviceProperties"]!.AsObject().ContainsKey("e1000"), Is.True);
        Assert.That(saved["missingDevices"]!.AsArray().Select(d => d!.GetValue<string>()), Does.Contain("no-such-device"));
    }

    [Test]
    public async Task A_cache_folder_that_cannot_be_written_leaves_the_probe_standing()
    {
        using var temp = new TempDirectory();
        string qemu = CopyOfQemu(temp);
        string notAFolder = temp.Combine("a-file");
        File.WriteAllText(notAFolder, "");

        QemuBinaryCapabilities probed = await QemuBinaryProbe.ProbeAsync(qemu, null, notAFolder);
        Assert.That(probed.Machines, Does.Contain("q35"));
        Assert.That(File.ReadAllText(notAFolder), Is.Empty);
    }

    [Test]
    public async Task A_launch_with_a_probe_cache_folder_saves_the_probe_and_the_next_launch_uses_it()
    {
        using var temp = new TempDirectory();
        string qemu = CopyOfQemu(temp);
        string folder = temp.Combine("probes");
        QemuLaunchOptions options = QemuTestMachines.Options.WithProbeCacheDirectory(folder);
        QemuMachineDefinition definition = QemuTestMachines.Bare().WithBinaryPath(qemu).WithMachineType("q35").WithStartPaused();
        await using (QemuMachine first = await QemuMachine.StartAsync(definition, options))
        {
            Assert.That(File.Exists(QemuProbeCacheFile.PathFor(folder, qemu)), Is.True);
        }

        // A later process whose cache says the binary has no q35 refuses the definition, naming it: the check used the file.
        string file = QemuProbeCacheFile.PathFor(folder, qemu);
        JsonObject saved = JsonNode.Parse(File.ReadAllText(file))!.AsObject();
        JsonArray machines = saved["machines"]!.AsArray();
        foreach (JsonNode? machine in machines.Where(m => m?["name"]?.GetValue<string>() == "q35" || m?["alias"]?.GetValue<string>() == "q35").ToList())
        {
            machines.Remove(machine);
        }
        File.WriteAllText(file, saved.ToJsonString());
        QemuBinaryProbe.Forget(qemu);

        var error = await Assert.ThrowsAsync<QemuDefinitionException>(async () => await QemuMachine.StartAsync(definition, options));
        Assert.That(error!.Problems, Has.Some.Contains("q35"));
    }

    private static string CopyOfQemu(TempDirectory temp)
    {
        // A link rather than a copy: QEMU finds its modules beside the binary it really is (/proc/self/exe).
        string link = temp.Combine("qemu-system-x86_64");
        File.CreateSymbolicLink(link, QemuTestMachines.RequireQemu());
        return link;
    }
}
