using SparseVirt.Nbd.Protocol;

namespace SparseVirt.Nbd.Exports;

/// <summary>The exports of one server by name; the empty name finds the first when no export is named so.</summary>
internal sealed class ExportRegistry : IDisposable
{
    private readonly Dictionary<string, ExportVolume> _byName;

    private ExportRegistry(IReadOnlyList<ExportVolume> volumes)
    {
        All = volumes;
        _byName = volumes.ToDictionary(v => v.Name, StringComparer.Ordinal);
    }

    /// <summary>Every export, in the order given.</summary>
    public IReadOnlyList<ExportVolume> All { get; }

    /// <summary>Checks the exports and opens their overlays.</summary>
    /// <exception cref="ArgumentException">No exports, a name twice, a name the protocol cannot carry, or an overlay on a read-only export.</exception>
    public static ExportRegistry Open(IReadOnlyList<NbdExport> exports)
    {
        ArgumentNullException.ThrowIfNull(exports);
        if (exports.Count == 0)
        {
            throw new ArgumentException("A server needs at least one export.", nameof(exports));
        }
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (NbdExport export in exports)
        {
            ArgumentNullException.ThrowIfNull(export, nameof(exports));
            if (!names.Add(export.Name))
            {
                throw new ArgumentException($"Two exports are named '{export.Name}'.", nameof(exports));
            }
            if (NbdStrings.ByteCount(export.Name) > NbdStrings.MaxBytes || export.Name.Contains('\0'))
            {
                throw new ArgumentException($"The export name '{export.Name}' is longer than {NbdStrings.MaxBytes} UTF-8 bytes or contains NUL.", nameof(exports));
            }
            if (export.OverlayPath is not null && !export.Writable)
            {
                throw new ArgumentException($"Export '{export.Name}' names an overlay ({export.OverlayPath}) but is not writable.", nameof(exports));
            }
        }
        var volumes = new List<ExportVolume>(exports.Count);
        try
        {
            foreach (NbdExport export in exports)
            {
                volumes.Add(ExportVolume.Open(export));
            }
        }
        catch
        {
            volumes.ForEach(v => v.Dispose());
            throw;
        }
        return new ExportRegistry(volumes);
    }

    /// <summary>Finds the export a client names; the empty name is the first export unless one is named "".</summary>
    public ExportVolume? Find(string name) =>
        _byName.TryGetValue(name, out ExportVolume? volume) ? volume : name.Length == 0 ? All[0] : null;

    public void Dispose()
    {
        foreach (ExportVolume volume in All)
        {
            volume.Dispose();
        }
    }
}
