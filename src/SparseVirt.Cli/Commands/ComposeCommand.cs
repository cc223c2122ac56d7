using System.CommandLine;
using SparseVirt.Cli.Infrastructure;
using SparseVirt.Cli.Layouts;
using SparseVirt.Layouts;
using SparseVirt.Layouts.Gpt;

namespace SparseVirt.Cli.Commands;

/// <summary>
/// <c>sparsevirt compose OUT LABEL=IMAGE...</c>: writes a GPT disk laid out as the emulator's <c>mk_combined_img</c>
/// does, in one pass from raw, sparse or super-partition inputs, with no temporary files.
/// </summary>
internal static class ComposeCommand
{
    public static Command Create(CliConsole console)
    {
        var output = new Argument<string>("OUT") { Description = "The raw disk image to write (replaced if it exists; written under a temporary name first)." };
        var pairs = new Argument<string[]>("LABEL=IMAGE")
        {
            Description = "A partition: its GPT name and its image (raw, sparse, or SUPER:PARTITION for a logical partition of a super image); in disk order.",
            Arity = ArgumentArity.OneOrMore,
        };
        var bootCode = BootCodeOption.Create("disk");
        var guids = new GptGuidOptions("disk");
        var command = new Command(
            "compose",
            "Write a GPT disk from images as the emulator's system-qemu.img is made: first partition at 1 MiB, each rounded up to 1 MiB, 1 MiB of tail padding, Linux filesystem type, GUIDs derived from the inputs (the same inputs give the same bytes). Sparse inputs are read in place; holes stay holes.")
        {
            output, pairs, bootCode, guids.DiskGuid, guids.RandomGuids,
        };
        VerbRunner.SetAction(command, console, async (context, cancellationToken) =>
        {
            using var images = new ImageInputs();
            GptComposition composition = images.ComposeGpt(context.GetValue(pairs) ?? [], context.GetValue(bootCode), d => guids.Apply(context, d));
            using IProgressBar progress = TerminalProgressBar.Create(console, "compose", composition.Disk.Length);
            await BlockSourceFile.WriteAsync(composition.Disk, context.GetValue(output), progress, cancellationToken).ConfigureAwait(false);
            return ExitCodes.Success;
        });
        return command;
    }
}
