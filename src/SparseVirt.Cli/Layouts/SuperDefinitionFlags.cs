using System.Text.RegularExpressions;
using SparseVirt.Layouts.Super;

namespace SparseVirt.Cli.Layouts;

/// <summary>
/// The library names a <see cref="SuperImageDefinition"/> property in its errors
/// (<c>SuperImageDefinition.BlockSize: ...</c>, <c>SuperImageDefinition.Images["system"]: ...</c>); the command line
/// says which of its (lpmake's) flags set it.
/// </summary>
internal static partial class SuperDefinitionFlags
{
    private static readonly Dictionary<string, string> s_flags = new(StringComparer.Ordinal)
    {
        [nameof(SuperImageDefinition.DeviceSize)] = "--device-size",
        [nameof(SuperImageDefinition.MetadataSize)] = "--metadata-size",
        [nameof(SuperImageDefinition.MetadataSlots)] = "--metadata-slots",
        [nameof(SuperImageDefinition.BlockSize)] = "--block-size",
        [nameof(SuperImageDefinition.Alignment)] = "--alignment",
        [nameof(SuperImageDefinition.SuperName)] = "--super-name",
        [nameof(SuperImageDefinition.Groups)] = "--group",
        [nameof(SuperImageDefinition.Partitions)] = "--partition",
    };

    /// <summary><paramref name="message"/> with its leading property replaced by the flag that sets it (unchanged when it names none).</summary>
    public static string InFlags(string message)
    {
        Match match = PropertyPrefix().Match(message);
        if (!match.Success)
        {
            return message;
        }
        string property = match.Groups["property"].Value;
        string? flag = property == nameof(SuperImageDefinition.Images) && match.Groups["key"].Success
            ? $"--image {match.Groups["key"].Value}=..."
            : s_flags.GetValueOrDefault(property);
        return flag is null ? message : flag + message[match.Length..];
    }

    [GeneratedRegex("""^SuperImageDefinition\.(?<property>[A-Za-z]+)(\["(?<key>[^"]*)"\])?(?=:)""")]
    private static partial Regex PropertyPrefix();
}
