using System.CommandLine;

namespace SparseVirt.Cli.Commands;

/// <summary>The verbs of the tool, in the order <c>--help</c> lists them. Each verb lives in its own file.</summary>
internal static class CommandCatalog
{
    /// <summary>Examples shown at the end of each verb's own <c>--help</c>; kept together so they read as one guide.</summary>
    private static readonly Dictionary<string, string[]> s_examples = new()
    {
        ["info"] = ["sparsevirt info system.img", "sparsevirt info system.img --json > system.json"],
        ["unsparse"] = ["sparsevirt unsparse system.img system.raw", "sparsevirt unsparse super.img.0 super.img.1 super.raw", "zcat vendor.img.gz | sparsevirt unsparse - vendor.raw", "sparsevirt unsparse --verify system.img system.raw"],
        ["sparse"] = ["sparsevirt sparse system.raw system.img", "sparsevirt sparse disk.raw disk.simg --block-size 65536 --crc", "sparsevirt sparse system.raw system.img --zero-fill   # zero blocks as FILL, like img2simg"],
        ["split"] = ["sparsevirt split super.img super.img.part 256M   # super.img.part.0, .1 ...", "sparsevirt split system.raw system.part 268435456"],
        ["append"] = ["sparsevirt append userdata.img extra.raw"],
        ["verify"] = ["sparsevirt verify system.img", "sparsevirt verify system.img --json"],
        ["check"] = ["sparsevirt check", "sparsevirt check --json > accel-report.json", "sparsevirt check && echo 'hardware acceleration is ready'", "sparsevirt check --emulator   # like emulator -accel-check: the accel: block, exit code = its code"],
        ["serve"] = ["sparsevirt serve system.img   # prints nbd+unix:///disk?socket=...", "sparsevirt serve super.img.0 super.img.1 --name super --tcp 10809", "sparsevirt serve system.img --writable --overlay system.overlay"],
        ["super"] = ["sparsevirt super info super.img", "sparsevirt super unpack super.img out/ --partition system_a", "sparsevirt super make --device-size 4294967296 --metadata-size 65536 --metadata-slots 2 --partition system_a:readonly:1073741824 --image system_a=system.img --sparse --output super.img"],
        ["ls"] = ["sparsevirt ls system.img:/system/etc", "sparsevirt ls super.img:system_a:/ --json", "sparsevirt ls -R disk.img:system:/vendor   # a GPT partition by label"],
        ["cat"] = ["sparsevirt cat super.img:system_a:/system/build.prop", "sparsevirt cat system.img.0:/system/build.prop   # split pieces system.img.0, .1 ..."],
        ["stat"] = ["sparsevirt stat system.img:/system/bin/sh", "sparsevirt stat super.img:vendor_a:/etc/fstab --json"],
        ["extract"] = ["sparsevirt extract super.img:system_a:/ system-tree", "sparsevirt extract system.img:/system/build.prop build.prop"],
        ["compose"] = ["sparsevirt compose disk.img vbmeta=vbmeta.img super=super.img", "sparsevirt compose disk.img system=super.img:system_a", "sparsevirt compose disk.img boot=boot.img data=data.img --boot-code mbr.bin   # BIOS-bootable"],
        ["run"] = ["sparsevirt run docs/samples/hello.simg", "sparsevirt run system.img vendor.img --memory 2G --cpus 4 --accel kvm", "sparsevirt run disk.raw --kernel bzImage --append \"console=ttyS0\" --forward 5555:5555", "sparsevirt run disk.simg --serial console.log --timeout 60", "sparsevirt run system.img --overlay userdata.qcow2   # writes persist there", "sparsevirt run system.img --expand   # expand into the cache instead of serving over NBD", "sparsevirt run --gpt boot=boot.img data=data.img --boot-code mbr.bin   # compose, serve and boot, nothing written"],
    };

    public static IEnumerable<Command> Create(CliConsole console)
    {
        ArgumentNullException.ThrowIfNull(console);
        Command[] verbs =
        [
            InfoCommand.Create(console),
            UnsparseCommand.Create(console),
            SparseCommand.Create(console),
            SplitCommand.Create(console),
            AppendCommand.Create(console),
            VerifyCommand.Create(console),
            CheckCommand.Create(console),
            RunCommand.Create(console),
            ServeCommand.Create(console),
            SuperCommand.Create(console),
            ComposeCommand.Create(console),
            LsCommand.Create(console),
            CatCommand.Create(console),
            StatCommand.Create(console),
            ExtractCommand.Create(console),
        ];
        return verbs;
    }

    /// <summary>The examples of a verb (shown last in its <c>--help</c>), or null for a command that has none.</summary>
    public static IReadOnlyList<string>? ExamplesOf(Command command)
    {
        ArgumentNullException.ThrowIfNull(command);
        return command.Parents.OfType<RootCommand>().Any() && s_examples.TryGetValue(command.Name, out string[]? examples) ? examples : null;
    }

    /// <summary>The names of the verbs that have examples (all of them); tests check each one's help.</summary>
    internal static IReadOnlyCollection<string> VerbsWithExamples => s_examples.Keys;
}
