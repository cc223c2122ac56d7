using System.Text;
using SparseVirt.Tests.Infrastructure;
using SparseVirt.Tests.Sparse.Decoding;
using SparseVirt.Tests.TestGuests;

namespace SparseVirt.Tests.Cli.Run;

/// <summary>
/// <c>--boot-code</c> on the verbs that compose a GPT disk: <c>run --gpt</c> boots the composed disk under QEMU
/// (TCG) through the given MBR code, <c>compose</c> writes it, and a wrong file is refused with the option named.
/// </summary>
[Category("Qemu")]
public class RunGptBootCodeTests
{
    private const string Message = "run --gpt: the boot partition read this from the data partition";

    /// <summary>The MBR code, a sparse boot partition holding the chain's second stage, and a raw data partition holding the text.</summary>
    private static (string BootCode, string Boot, string Data) WriteInputs(TempDirectory folder)
    {
        // Each partition is one 4 KiB block, rounded up to 1 MiB: the first at LBA 2048, the second at 4096.
        string bootCode = folder.Combine("mbr.bin"), boot = folder.Combine("boot.simg"), data = folder.Combine("data.raw");
        File.WriteAllBytes(bootCode, GptChainBootGuest.MbrChainLoader(firstPartitionLba: 2048));
        byte[] bootBlock = new byte[4096];
        GptChainBootGuest.PartitionBootSector(lba: 4096).CopyTo(bootBlock, 0);
        File.WriteAllBytes(boot, new SparseImageBuilder().Raw(bootBlock).Build());
        byte[] dataBlock = new byte[4096];
        Encoding.ASCII.GetBytes(Message + "\r\n").CopyTo(dataBlock, 0);
        File.WriteAllBytes(data, dataBlock);
        return (bootCode, boot, data);
    }

    [Test]
    public async Task Run_gpt_boots_the_composed_disk_through_the_given_mbr_code_into_its_first_partition()
    {
        ExternalTool.Require("qemu-system-x86_64", "qemu-system-x86");
        using var folder = new TempDirectory();
        (string bootCode, string boot, string data) = WriteInputs(folder);

        CliResult result = await CliHarness.RunAsync(
            "run", "--gpt", "boot=" + boot, "data=" + data, "--boot-code", bootCode, "--memory", "32M", "--accel", "tcg", "--timeout", "60");

        Assert.That(result.ExitCode, Is.Zero, result.Error);
        Assert.That(result.Output, Does.Contain(Message), "the second stage read the data partition and printed it");
        Assert.That(result.Error, Does.Contain("composed and served over NBD"));
    }

    [Test]
    public async Task Without_boot_code_the_same_disk_does_not_boot_and_the_guest_is_stopped()
    {
        ExternalTool.Require("qemu-system-x86_64", "qemu-system-x86");
        using var folder = new TempDirectory();
        (_, string boot, string data) = WriteInputs(folder);

        CliResult result = await CliHarness.RunAsync(
            "run", "--gpt", "boot=" + boot, "data=" + data, "--memory", "32M", "--accel", "tcg", "--timeout", "5", "--stop-timeout", "1");

        Assert.That(result.Output, Does.Not.Contain(Message), "an all-zero MBR loads nothing: the boot code is what made the other run work");
    }

    [Test]
    public async Task Compose_writes_the_boot_code_into_the_protective_mbr_and_keeps_the_rest_of_the_sector()
    {
        using var folder = new TempDirectory();
        (string bootCode, string boot, string data) = WriteInputs(folder);
        string disk = folder.Combine("disk.img");

        CliResult result = await CliHarness.RunAsync("compose", disk, "boot=" + boot, "data=" + data, "--boot-code", bootCode);

        Assert.That(result.ExitCode, Is.Zero, result.Error);
        byte[] mbr = new byte[512];
        using (FileStream file = File.OpenRead(disk))
        {
            file.ReadExactly(mbr);
        }
        byte[] code = File.ReadAllBytes(bootCode);
        Assert.That(mbr.AsSpan(0, code.Length).ToArray(), Is.EqualTo(code));
        Assert.That(mbr.AsSpan(code.Length, 440 - code.Length).ContainsAnyExcept((byte)0), Is.False, "zeros after the code");
        Assert.That((mbr[450], mbr[510], mbr[511]), Is.EqualTo(((byte)0xEE, (byte)0x55, (byte)0xAA)), "the protective partition and signature are intact");
        string sgdisk = ExternalTool.Require("sgdisk", "gdisk");
        Assert.That(ExternalTool.RunChecked(sgdisk, "-v", disk).Output, Does.Contain("No problems found"));
    }

    [TestCase("compose", 441)]
    [TestCase("compose", 512)]
    [TestCase("serve", 1024)]
    [TestCase("run", 512)]
    public async Task Boot_code_longer_than_440_bytes_is_refused_naming_the_option_file_and_size(string verb, int size)
    {
        using var folder = new TempDirectory();
        (_, string boot, string data) = WriteInputs(folder);
        string tooLong = folder.Combine("mbr-sector.bin");
        File.WriteAllBytes(tooLong, new byte[size]);
        string[] args = verb switch
        {
            "compose" => ["compose", folder.Combine("disk.img"), "boot=" + boot, "data=" + data, "--boot-code", tooLong],
            "serve" => ["serve", "--gpt", "boot=" + boot, "data=" + data, "--boot-code", tooLong, "--socket", folder.Combine("nbd.sock")],
            _ => ["run", "--gpt", "boot=" + boot, "data=" + data, "--boot-code", tooLong, "--qemu", "/nonexistent/qemu-must-not-be-started"],
        };

        CliResult result = await CliHarness.RunAsync(args);

        Assert.That(result.ExitCode, Is.EqualTo(2), result.Error);
        Assert.That(result.Error, Does.Contain($"--boot-code {tooLong}").And.Contain($"{size} bytes").And.Contain("at most 440"));
        Assert.That(File.Exists(folder.Combine("disk.img")), Is.False, "nothing is written");
    }

    [TestCase("serve")]
    [TestCase("run")]
    public async Task Boot_code_without_gpt_or_without_its_file_is_a_usage_error(string verb)
    {
        using var folder = new TempDirectory();
        (string bootCode, string boot, _) = WriteInputs(folder);

        string[] noQemu = verb == "run" ? ["--qemu", "/nonexistent/qemu-must-not-be-started"] : ["--socket", folder.Combine("nbd.sock")];
        CliResult withoutGpt = await CliHarness.RunAsync([verb, boot, "--boot-code", bootCode, .. noQemu]);
        CliResult missing = await CliHarness.RunAsync([verb, "--gpt", "boot=" + boot, "--boot-code", folder.Combine("absent.bin"), .. noQemu]);

        Assert.That((withoutGpt.ExitCode, missing.ExitCode), Is.EqualTo((2, 2)), withoutGpt.Error + missing.Error);
        Assert.That(withoutGpt.Error, Does.Contain("--boot-code needs --gpt"));
        Assert.That(missing.Error, Does.Contain("--boot-code " + folder.Combine("absent.bin")).And.Contain("no such file"));
    }
}
