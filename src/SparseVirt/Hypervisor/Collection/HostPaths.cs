namespace SparseVirt.Hypervisor.Collection;

/// <summary>
/// Where the collector reads /proc, /sys, /etc and the container marker files. Tests point it at a folder holding
/// a fake tree; production uses the real root.
/// </summary>
internal sealed record HostPaths(string Root)
{
    public static HostPaths System { get; } = new("/");

    public string Resolve(string absolutePath) => Path.Join(Root, absolutePath);
}
