using System.CommandLine;
using SparseVirt.Cli.Infrastructure;
using SparseVirt.Layouts.Gpt;

namespace SparseVirt.Cli.Layouts;

/// <summary>
/// <c>--disk-guid GUID</c> and <c>--random-guids</c>, shared by <c>compose</c> and <c>serve --gpt</c>. By default a
/// composed disk's GUIDs are derived from its layout, so the same inputs give the same bytes (and a served disk equals
/// the written one); these vary them: a fixed disk GUID (the partition GUIDs follow it), or sgdisk's random ones.
/// </summary>
internal sealed class GptGuidOptions
{
    public GptGuidOptions(string appliesTo)
    {
        DiskGuid = new("--disk-guid")
        {
            HelpName = "GUID",
            Description = $"The disk GUID of the {appliesTo}; its partition GUIDs are derived from it. Default: derived from the labels and the images' sizes, so the same inputs give the same bytes.",
        };
        RandomGuids = new("--random-guids")
        {
            Description = $"Draw the GUIDs of the {appliesTo} at random on every run, as sgdisk does (the bytes then differ each time).",
        };
    }

    public Option<string?> DiskGuid { get; }

    public Option<bool> RandomGuids { get; }

    /// <summary>Whether either option was given (they need a composed disk).</summary>
    public bool AnyGiven(VerbContext context) => context.GetValue(DiskGuid) is not null || context.GetValue(RandomGuids);

    /// <summary>Applies the options given to <paramref name="definition"/>.</summary>
    /// <exception cref="UsageException">--disk-guid is not a GUID.</exception>
    public GptCompositeDefinition Apply(VerbContext context, GptCompositeDefinition definition)
    {
        string? diskGuid = context.GetValue(DiskGuid);
        if (diskGuid is not null)
        {
            if (!Guid.TryParse(diskGuid, out Guid diskId))
            {
                throw new UsageException($"--disk-guid {diskGuid}: not a GUID (for example 5a7e0b2c-1d3f-4e5a-9b8c-7d6e5f4a3b2c).");
            }
            definition = definition.WithDiskId(diskId);
        }
        return definition.WithRandomGuids(context.GetValue(RandomGuids));
    }
}
