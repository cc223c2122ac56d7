namespace SparseVirt.Fuzz.Targets;

/// <summary>Every target fuzz/run knows. Adding a target is one file under Targets/ plus one line here.</summary>
internal static class FuzzTargetRegistry
{
    public static IReadOnlyList<FuzzTarget> All { get; } =
    [
        new SparseOpenTarget(),
        new SparseExpandTarget(),
        new SparsePipeTarget(),
        new SparseRawViewTarget(),
        new QmpClientTarget(),
        new SuperMetadataTarget(),
        new GptReadTarget(),
        new NbdServerTarget(),
        new GuestAgentTarget(),
        new ErofsReadTarget(),
        new Ext4ReadTarget(),
    ];

    public static FuzzTarget? Find(string name) => All.FirstOrDefault(t => string.Equals(t.Name, name, StringComparison.Ordinal));
}
