using System.CommandLine;
using System.Globalization;
using SparseVirt.Cli.Infrastructure;
using SparseVirt.Cli.Layouts;
using SparseVirt.Layouts.Super;

namespace SparseVirt.Cli.Commands;

/// <summary>
/// <c>sparsevirt super make</c> with <c>lpmake</c>'s own option names: builds a super image (or a super_empty image
/// when no images are given) from raw or sparse partition images, none of them expanded first.
/// </summary>
internal static class SuperMakeCommand
{
    public static Command Create(CliConsole console)
    {
        var deviceSize = new Option<ulong>("--device-size", "-d") { Description = "The super device's size in bytes.", Required = true };
        var metadataSize = new Option<uint>("--metadata-size", "-m") { Description = "The most bytes one metadata copy may take.", Required = true };
        var metadataSlots = new Option<uint>("--metadata-slots", "-s") { Description = "The number of metadata slots (2 for A/B devices).", Required = true };
        var blockSize = new Option<uint>("--block-size", "-b") { Description = "The logical block size (default 4096).", DefaultValueFactory = _ => 4096 };
        var alignment = new Option<uint>("--alignment") { Description = "The partition alignment in bytes (default 1048576).", DefaultValueFactory = _ => 1024 * 1024 };
        var alignmentOffset = new Option<uint>("--alignment-offset") { Description = "The alignment offset in bytes (default 0)." };
        var superName = new Option<string>("--super-name", "-n") { Description = "The super device's partition name (default super).", DefaultValueFactory = _ => "super" };
        var groups = new Option<string[]>("--group", "-g") { Description = "A partition group, NAME:MAXIMUM_SIZE (0: unlimited); repeatable.", AllowMultipleArgumentsPerToken = false };
        var partitions = new Option<string[]>("--partition", "-p")
        {
            Description = "A partition, NAME:ATTRIBUTES:SIZE[:GROUP] with ATTRIBUTES readonly or none; repeatable, allocated in order.",
            Required = true,
            AllowMultipleArgumentsPerToken = false,
        };
        var images = new Option<string[]>("--image", "-i") { Description = "A partition's contents, NAME=FILE (raw or sparse); repeatable.", AllowMultipleArgumentsPerToken = false };
        var sparse = new Option<bool>("--sparse", "-S") { Description = "Write the output as a sparse image." };
        var output = new Option<string>("--output", "-o") { Description = "The image to write.", Required = true };
        var autoSlotSuffixing = new Option<bool>("--auto-slot-suffixing") { Description = "Mark partitions, groups and the device slot-suffixed." };
        var forceFullImage = new Option<bool>("--force-full-image") { Description = "Write the whole device even without images (otherwise: a super_empty image)." };
        var virtualAb = new Option<bool>("--virtual-ab") { Description = "Set the Virtual A/B flag (metadata 10.2)." };
        var command = new Command("make", "Build a super image like lpmake, from raw or sparse partition images (never expanded first); raw or sparse output.")
        {
            deviceSize, metadataSize, metadataSlots, blockSize, alignment, alignmentOffset, superName, groups, partitions, images, sparse, output,
            autoSlotSuffixing, forceFullImage, virtualAb,
        };
        var definitionOptions = new DefinitionOptions(deviceSize, metadataSize, metadataSlots, blockSize, alignment, alignmentOffset, superName, groups, partitions, autoSlotSuffixing, forceFullImage, virtualAb);
        VerbRunner.SetAction(command, console, async (context, cancellationToken) =>
        {
            using var inputs = new ImageInputs();
            SuperImageDefinition definition = WithImages(definitionOptions.Read(context), context.GetValue(images) ?? [], inputs);
            SuperImageBuild build;
            try
            {
                build = SuperImageBuilder.Build(definition);
            }
            catch (ArgumentException e)
            {
                throw new UsageException(SuperDefinitionFlags.InFlags(e.Message));
            }
            var logger = context.LoggerFactory.CreateLogger("SparseVirt.Layouts.Super");
            using IProgressBar progress = TerminalProgressBar.Create(console, "super", build.Image.Length);
            // A super_empty image is metadata only: lpmake writes it raw even with --sparse.
            bool writeSparse = context.GetValue(sparse) && !build.IsEmptyImage;
            await SparseOutput.WriteAsync(build.Image, context.GetValue(output), writeSparse, (int)definition.BlockSize, progress, logger, cancellationToken).ConfigureAwait(false);
            return ExitCodes.Success;
        });
        return command;
    }

    /// <summary>The options that make the definition (all but the images and the output).</summary>
    private sealed record DefinitionOptions(
        Option<ulong> DeviceSize,
        Option<uint> MetadataSize,
        Option<uint> MetadataSlots,
        Option<uint> BlockSize,
        Option<uint> Alignment,
        Option<uint> AlignmentOffset,
        Option<string> SuperName,
        Option<string[]> Groups,
        Option<string[]> Partitions,
        Option<bool> AutoSlotSuffixing,
        Option<bool> ForceFullImage,
        Option<bool> VirtualAb)
    {
        public SuperImageDefinition Read(VerbContext context)
        {
            SuperImageDefinition definition = SuperImageDefinition.Default
                .WithDeviceSize(context.GetValue(DeviceSize))
                .WithMetadataSize(context.GetValue(MetadataSize))
                .WithMetadataSlots(context.GetValue(MetadataSlots))
                .WithBlockSize(context.GetValue(BlockSize))
                .WithAlignment(context.GetValue(Alignment), context.GetValue(AlignmentOffset))
                .WithSuperName(context.GetValue(SuperName))
                .WithAutoSlotSuffixing(context.GetValue(AutoSlotSuffixing))
                .WithForceFullImage(context.GetValue(ForceFullImage))
                .WithVirtualAb(context.GetValue(VirtualAb));
            foreach (string group in context.GetValue(Groups) ?? [])
            {
                definition = AddGroup(definition, group);
            }
            foreach (string partition in context.GetValue(Partitions) ?? [])
            {
                definition = AddPartition(definition, partition);
            }
            return definition;
        }
    }

    private static SuperImageDefinition AddGroup(SuperImageDefinition definition, string argument)
    {
        string[] parts = argument.Split(':');
        if (parts.Length != 2 || parts[0].Length == 0 || !ulong.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out ulong maximum))
        {
            throw new UsageException($"--group {argument}: expected NAME:MAXIMUM_SIZE.");
        }
        return definition.WithGroup(parts[0], maximum);
    }

    private static SuperImageDefinition WithImages(SuperImageDefinition definition, string[] arguments, ImageInputs inputs)
    {
        foreach (string image in arguments)
        {
            int equals = image.IndexOf('=');
            if (equals <= 0 || equals == image.Length - 1)
            {
                throw new UsageException($"--image {image}: expected PARTITION=FILE.");
            }
            definition = definition.WithImage(image[..equals], inputs.Open(image[(equals + 1)..]));
        }
        return definition;
    }

    private static SuperImageDefinition AddPartition(SuperImageDefinition definition, string argument)
    {
        string[] parts = argument.Split(':');
        if (parts.Length is < 3 or > 4 || parts[0].Length == 0)
        {
            throw new UsageException($"--partition {argument}: expected NAME:ATTRIBUTES:SIZE[:GROUP].");
        }
        LpPartitionAttributes attributes = parts[1] switch
        {
            "readonly" => LpPartitionAttributes.ReadOnly,
            "none" => LpPartitionAttributes.None,
            _ => throw new UsageException($"--partition {argument}: attributes '{parts[1]}' are not recognized (readonly or none)."),
        };
        if (!ulong.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out ulong size))
        {
            throw new UsageException($"--partition {argument}: '{parts[2]}' is not a size in bytes.");
        }
        return definition.WithPartition(parts[0], attributes, size, parts.Length == 4 ? parts[3] : "default");
    }
}
