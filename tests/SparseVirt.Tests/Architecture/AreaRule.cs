namespace SparseVirt.Tests.Architecture;

/// <summary>
/// The rule between the library's parts: a feature area (<c>Root.Area...</c>) uses only its own types and the
/// foundation's (<c>Root</c> itself and the foundation namespaces), and the foundation uses no area. Areas are
/// whatever first namespace segments below the root exist, so a new area is covered the day it appears.
/// </summary>
internal sealed class AreaRule(string rootNamespace, IReadOnlyCollection<string> foundationSegments)
{
    /// <summary>The library's rule: SparseVirt.Interop and SparseVirt.BlockSources (and SparseVirt itself) are the foundation.</summary>
    public static AreaRule SparseVirt { get; } = new("SparseVirt", ["Interop", "BlockSources"]);

    /// <summary>What a namespace belongs to: an area's name, <see cref="Foundation"/>, or null (outside the root).</summary>
    public string? PartOf(string @namespace)
    {
        if (@namespace == rootNamespace)
        {
            return Foundation;
        }
        if (!@namespace.StartsWith(rootNamespace + ".", StringComparison.Ordinal))
        {
            return null;
        }
        string segment = @namespace[(rootNamespace.Length + 1)..].Split('.')[0];
        return foundationSegments.Contains(segment) ? Foundation : segment;
    }

    public const string Foundation = "(foundation)";

    /// <summary>The areas the types of <paramref name="edges"/> live in.</summary>
    public SortedSet<string> AreasIn(IEnumerable<TypeReferenceEdge> edges) =>
        new(edges.SelectMany(edge => new[] { PartOf(edge.From.Namespace), PartOf(edge.To.Namespace) })
            .OfType<string>()
            .Where(part => part != Foundation), StringComparer.Ordinal);

    /// <summary>Every reference that breaks the rule, one sentence each, naming both types; sorted, no repeats.</summary>
    public List<string> Violations(IEnumerable<TypeReferenceEdge> edges)
    {
        var violations = new SortedSet<string>(StringComparer.Ordinal);
        foreach (TypeReferenceEdge edge in edges)
        {
            string? from = PartOf(edge.From.Namespace);
            string? to = PartOf(edge.To.Namespace);
            if (from is null || to is null || to == Foundation || from == to)
            {
                continue;
            }
            violations.Add(from == Foundation
                ? $"{edge.From} (foundation) uses {edge.To} (area {to}): the foundation must not depend on an area"
                : $"{edge.From} (area {from}) uses {edge.To} (area {to}): areas must not reference each other");
        }
        return [.. violations];
    }
}
