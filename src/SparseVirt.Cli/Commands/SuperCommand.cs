using System.CommandLine;
using System.Globalization;
using System.Text;
using SparseVirt.Cli.Infrastructure;
using SparseVirt.Cli.Layouts;
using SparseVirt.Layouts.Super;

namespace SparseVirt.Cli.Commands;

/// <summary>
/// <c>sparsevirt super info|unpack|make</c>: Android super images (dynamic partitions, AOSP liblp), read and built
/// straight from sparse images. Each subcommand lives in its own file; this one holds <c>info</c>.
/// </summary>
internal static class SuperCommand
{
    public static Command Create(CliConsole console)
    {
        var command = new Command("super", "Read, unpack and build Android super images (dynamic partitions, liblp), straight from raw or sparse images.")
        {
            CreateInfo(console),
            SuperUnpackCommand.Create(console),
            SuperMakeCommand.Create(console),
        };
        return command;
    }

    /// <summary>The SUPER... argument: one image, or the pieces of a split sparse image.</summary>
    internal static Argument<string[]> SuperPaths(int minimum, string name = "SUPER") => new(name)
    {
        Description = "The super image: a raw file, a sparse image, or several pieces of a split sparse image in order.",
        Arity = new ArgumentArity(minimum, ArgumentArity.ZeroOrMore.MaximumNumberOfValues),
    };

    internal static Option<uint> SlotOption() => new("--slot", "-S")
    {
        Description = "The metadata slot to read (0 is _a, 1 is _b; default 0).",
    };

    private static Command CreateInfo(CliConsole console)
    {
        Argument<string[]> paths = SuperPaths(1);
        Option<uint> slot = SlotOption();
        var json = new Option<bool>("--json") { Description = "Print the description as JSON." };
        var command = new Command("info", "Describe a super image: geometry, metadata header, block devices, groups, partitions and their extents.")
        {
            paths, slot, json,
        };
        VerbRunner.SetAction(command, console, async (context, cancellationToken) =>
        {
            string[] inputs = context.GetValue(paths);
            using var images = new ImageInputs();
            var options = SuperImageOptions.Default.WithLogger(context.LoggerFactory.CreateLogger("SparseVirt.Layouts.Super"));
            SuperImage image = images.OpenSuper(inputs, context.GetValue(slot), options);
            SuperImageInfo info = SuperImageInfo.FromImage(image);
            string text = context.GetValue(json) ? info.ToJson() : Describe(string.Join(' ', inputs), info);
            await console.Out.WriteLineAsync(text.AsMemory(), cancellationToken).ConfigureAwait(false);
            return ExitCodes.Success;
        });
        return command;
    }

    internal static string Describe(string name, SuperImageInfo info)
    {
        CultureInfo c = CultureInfo.InvariantCulture;
        var text = new StringBuilder();
        text.AppendLine(c, $"{name}: super image (liblp metadata {info.MajorVersion}.{info.MinorVersion}, header {info.HeaderSize} bytes, flags 0x{info.HeaderFlags:X}), slot {info.Slot}, {info.MetadataCopy} copy");
        text.AppendLine(c, $"geometry: metadata max size {info.Geometry.MetadataMaxSize}, metadata slots {info.Geometry.MetadataSlotCount}, logical block size {info.Geometry.LogicalBlockSize}");
        text.AppendLine("block devices:");
        foreach (LpBlockDevice device in info.BlockDevices)
        {
            text.AppendLine(c, $"  {device.PartitionName}: size {device.Size}, first logical sector {device.FirstLogicalSector}, alignment {device.Alignment}, alignment offset {device.AlignmentOffset}, flags 0x{(uint)device.Flags:X}");
        }
        text.AppendLine("groups:");
        foreach (LpPartitionGroup group in info.Groups)
        {
            text.AppendLine(c, $"  {group.Name}: maximum size {(group.MaximumSize == 0 ? "unlimited" : group.MaximumSize.ToString(c))}, flags 0x{(uint)group.Flags:X}");
        }
        text.AppendLine("partitions:");
        foreach (SuperPartitionInfo partition in info.Partitions)
        {
            string extents = partition.Extents.Count == 0
                ? "no extents"
                : string.Join(", ", partition.Extents.Select(e => e.Type == LpExtentType.Zero
                    ? $"{e.SectorCount} sectors of zeros"
                    : $"sectors {e.TargetData}..{e.TargetData + e.SectorCount - 1} of device {e.TargetSource}"));
            text.AppendLine(c, $"  {partition.Name}: {partition.Size} bytes, group {partition.Group}, attributes {partition.Attributes}; {extents}");
        }
        return text.ToString().TrimEnd();
    }
}
