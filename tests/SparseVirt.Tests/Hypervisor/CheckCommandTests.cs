using System.Text.Json;
using SparseVirt.Tests.Cli;

namespace SparseVirt.Tests.Hypervisor;

[Platform("Linux")]
public class CheckCommandTests
{
    [Test]
    public async Task CheckPrintsTheVerdictAndExitsLikeKvmOk()
    {
        CliResult result = await CliHarness.RunAsync("check");
        bool ready = result.Output.StartsWith("KVM acceleration: READY", StringComparison.Ordinal);

        Assert.Multiple(() =>
        {
            Assert.That(result.ExitCode, Is.EqualTo(ready ? 0 : 1), result.Error);
            Assert.That(result.Output, Does.Contain("Reason: ").And.Contain("KVM device").And.Contain("Facts:"));
            if (!File.Exists("/dev/kvm"))
            {
                Assert.That(ready, Is.False, "no /dev/kvm, so not ready");
                Assert.That(result.Output, Does.Contain("/dev/kvm does not exist").And.Contain("What to do:"));
            }
        });
    }

    [Test]
    public async Task CheckJsonIsTheReport()
    {
        CliResult result = await CliHarness.RunAsync("check", "--json");

        using JsonDocument document = JsonDocument.Parse(result.Output);
        JsonElement root = document.RootElement;
        bool ready = root.GetProperty("isReady").GetBoolean();
        Assert.Multiple(() =>
        {
            Assert.That(root.GetProperty("schemaVersion").GetInt32(), Is.EqualTo(3));
            Assert.That(root.GetProperty("accelerators")[0].GetProperty("accelerator").GetString(), Is.EqualTo("kvm"));
            Assert.That(root.GetProperty("qemuAccelerator").GetString(), Is.EqualTo(ready ? "kvm" : "tcg"));
            Assert.That(result.ExitCode, Is.EqualTo(ready ? 0 : 1));
            Assert.That(root.GetProperty("facts").GetProperty("kvm").GetProperty("devicePath").GetString(), Is.EqualTo("/dev/kvm"));
            Assert.That(root.GetProperty("verdict").GetProperty("reason").GetString(), Is.Not.Empty);
            Assert.That(ready, Is.EqualTo(root.GetProperty("verdict").GetProperty("status").GetString() == "ready"));
            if (!File.Exists("/dev/kvm"))
            {
                Assert.That(result.ExitCode, Is.EqualTo(1));
            }
        });
    }

    [Test]
    public async Task CheckOfDevNullSaysItIsNotAKvmDevice()
    {
        CliResult result = await CliHarness.RunAsync("check", "--json", "--device", "/dev/null");

        using JsonDocument document = JsonDocument.Parse(result.Output);
        Assert.Multiple(() =>
        {
            Assert.That(result.ExitCode, Is.EqualTo(1));
            Assert.That(document.RootElement.GetProperty("verdict").GetProperty("status").GetString(), Is.EqualTo("notAKvmDevice"));
            Assert.That(document.RootElement.GetProperty("verdict").GetProperty("statusCode").GetInt32(), Is.EqualTo(11));
        });
    }

    [Test]
    public async Task CheckEmulatorPrintsTheAccelBlockAndExitsWithItsCode()
    {
        CliResult result = await CliHarness.RunAsync("check", "--emulator");

        string[] lines = result.Output.Split('\n');
        Assert.Multiple(() =>
        {
            Assert.That(lines, Has.Length.EqualTo(5), result.Output);
            Assert.That(lines[0], Is.EqualTo("accel:"));
            Assert.That(lines[1], Is.EqualTo(result.ExitCode.ToString(System.Globalization.CultureInfo.InvariantCulture)));
            Assert.That(lines[2], Is.Not.Empty);
            Assert.That(lines[3], Is.EqualTo("accel"));
            Assert.That(lines[4], Is.Empty, "the block ends with a newline");
            if (!File.Exists("/dev/kvm"))
            {
                Assert.That(result.ExitCode, Is.Not.Zero, "no /dev/kvm, so not READY");
            }
        });
    }

    [Test]
    public async Task CheckEmulatorAgreesWithTheJsonReport()
    {
        CliResult emulator = await CliHarness.RunAsync("check", "--emulator");
        CliResult json = await CliHarness.RunAsync("check", "--json");

        using JsonDocument document = JsonDocument.Parse(json.Output);
        JsonElement code = document.RootElement.GetProperty("emulator");
        Assert.Multiple(() =>
        {
            Assert.That(emulator.ExitCode, Is.EqualTo(code.GetProperty("codeValue").GetInt32()));
            Assert.That(emulator.Output, Does.Contain(code.GetProperty("text").GetString()));
            Assert.That(code.GetProperty("symbol").GetString(), Does.StartWith("ANDROID_CPU_ACCELERATION_"));
        });
    }

    [Test]
    public async Task JsonAndEmulatorTogetherAreAUsageError()
    {
        CliResult result = await CliHarness.RunAsync("check", "--json", "--emulator");

        Assert.Multiple(() =>
        {
            Assert.That(result.ExitCode, Is.EqualTo(2));
            Assert.That(result.Error, Does.Contain("--json and --emulator"));
        });
    }

    [Test]
    public async Task ARelativeDeviceIsAUsageError()
    {
        CliResult result = await CliHarness.RunAsync("check", "--device", "dev/kvm");

        Assert.Multiple(() =>
        {
            Assert.That(result.ExitCode, Is.EqualTo(2));
            Assert.That(result.Error, Does.Contain("--device").And.Contain("absolute"));
        });
    }

    [Test]
    public async Task HelpDescribesTheCheck()
    {
        CliResult result = await CliHarness.RunAsync("check", "--help");

        Assert.Multiple(() =>
        {
            Assert.That(result.ExitCode, Is.EqualTo(0));
            Assert.That(result.Output, Does.Contain("--json").And.Contain("--device").And.Contain("--emulator").And.Contain("0 ready, 1 not ready"));
        });
    }
}
