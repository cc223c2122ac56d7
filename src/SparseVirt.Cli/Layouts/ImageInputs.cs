using SparseVirt.BlockSources;
using SparseVirt.Cli.Infrastructure;
using SparseVirt.Layouts.Gpt;
using SparseVirt.Layouts.Super;
using SparseVirt.Sparse;

namespace SparseVirt.Cli.Layouts;

/// <summary>
/// Opens the images the layout verbs take, whatever their form, as block sources: a sparse image or split sparse
/// pieces as the Sparse area's expanded view (nothing expanded), a raw file as itself, and <c>SUPER:PARTITION</c> as
/// a logical partition inside a super image. Owns what it opens and closes it on dispose. This is where the CLI
/// composes the Sparse and Layouts areas, which never reference each other.
/// </summary>
internal sealed class ImageInputs : IDisposable
{
    private readonly List<IDisposable> _owned = [];
    private readonly Dictionary<string, SuperImage> _supers = new(StringComparer.Ordinal);

    /// <summary>One image: sparse (by its magic) or raw.</summary>
    public IBlockSource Open(string path) => Open([path]);

    /// <summary>One image from one file, or from the pieces of a split sparse image (all must be sparse).</summary>
    public IBlockSource Open(IReadOnlyList<string> paths)
    {
        foreach (string path in paths)
        {
            if (!File.Exists(path))
            {
                throw new FileNotFoundException($"{path}: no such file.", path);
            }
        }
        if (paths.Count == 1 && !SparseImage.IsSparseImage(paths[0]))
        {
            return Own(RawFileBlockSource.Open(paths[0]));
        }
        string? raw = paths.FirstOrDefault(p => !SparseImage.IsSparseImage(p));
        if (raw is not null)
        {
            throw new UsageException($"{raw} is not a sparse image; several pieces must all be pieces of one sparse image.");
        }
        return Own(SparseBlockSource.Open(paths));
    }

    /// <summary>Reads the super image made of <paramref name="paths"/> (one file or sparse pieces) for <paramref name="slot"/>.</summary>
    public SuperImage OpenSuper(IReadOnlyList<string> paths, uint slot, SuperImageOptions options)
    {
        string key = string.Join('\n', paths) + "\n" + slot;
        if (_supers.TryGetValue(key, out SuperImage? open))
        {
            return open;
        }
        IBlockSource source = Open(paths);
        try
        {
            SuperImage image = SuperImage.Open(source, options.WithSlot(slot));
            _supers[key] = image;
            return image;
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"{string.Join(", ", paths)}: {e.Message}", e);
        }
    }

    /// <summary>
    /// An image argument: <c>FILE</c> (raw or sparse), or <c>SUPER:PARTITION</c> for a logical partition of a super
    /// image (slot 0) when FILE itself does not exist.
    /// </summary>
    public IBlockSource OpenImageArgument(string argument)
    {
        int colon = argument.LastIndexOf(':');
        if (File.Exists(argument) || colon <= 0 || colon == argument.Length - 1 || !File.Exists(argument[..colon]))
        {
            return Open(argument);
        }
        SuperImage super = OpenSuper([argument[..colon]], 0, SuperImageOptions.Default);
        return super.OpenPartition(argument[(colon + 1)..]);
    }

    /// <summary>
    /// Turns <c>LABEL=IMAGE</c> arguments into a composed GPT disk (the helper for <c>compose</c>, and for
    /// <c>serve --gpt</c> and <c>run --gpt</c>): nothing is written, the disk reads through to the images. The
    /// <c>--boot-code</c> file, when given, is checked before any image is opened, and so is what
    /// <paramref name="configure"/> sets (the GUID options).
    /// </summary>
    public GptComposition ComposeGpt(IEnumerable<string> pairs, string? bootCodePath = null, Func<GptCompositeDefinition, GptCompositeDefinition>? configure = null)
    {
        GptCompositeDefinition composite = BootCodeOption.Apply(GptCompositeDefinition.Empty, bootCodePath);
        composite = configure?.Invoke(composite) ?? composite;
        foreach (string pair in pairs)
        {
            int equals = pair.IndexOf('=');
            if (equals <= 0 || equals == pair.Length - 1)
            {
                throw new UsageException($"'{pair}' is not LABEL=IMAGE.");
            }
            string label = pair[..equals];
            try
            {
                composite = composite.WithPartition(label, OpenImageArgument(pair[(equals + 1)..]));
            }
            catch (ArgumentException e)
            {
                throw new UsageException($"{pair}: {e.Message}");
            }
        }
        try
        {
            return GptComposer.Compose(composite);
        }
        catch (ArgumentException e)
        {
            throw new UsageException(e.Message);
        }
    }

    public void Dispose()
    {
        for (int i = _owned.Count - 1; i >= 0; i--)
        {
            _owned[i].Dispose();
        }
        _owned.Clear();
    }

    private T Own<T>(T source)
        where T : IDisposable
    {
        _owned.Add(source);
        return source;
    }
}
