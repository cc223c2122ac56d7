namespace SparseVirt.Tests.Architecture;

/// <summary>
/// Areas of the library (Sparse, Hypervisor, Qemu, and any new SparseVirt.&lt;Area&gt;) never reference each
/// other's types; they share only the foundation (SparseVirt.Interop, SparseVirt.BlockSources, SparseVirt). Read
/// from the compiled SparseVirt.Core.dll's metadata, so no kind of reference escapes (see docs/architecture.md).
/// </summary>
public class AreaIndependenceTests
{
    private static readonly string s_libraryPath = typeof(SparseVirt.Sparse.SparseImage).Assembly.Location;

    [Test]
    public void No_area_of_the_library_references_another_area_and_the_foundation_references_none()
    {
        List<TypeReferenceEdge> edges = TypeReferenceScanner.Scan(s_libraryPath);

        List<string> violations = AreaRule.SparseVirt.Violations(edges);

        Assert.That(violations, Is.Empty, "cross-area references:\n" + string.Join("\n", violations));
    }

    [Test]
    public void The_areas_are_found_from_the_namespaces_so_new_ones_are_covered()
    {
        SortedSet<string> areas = AreaRule.SparseVirt.AreasIn(TypeReferenceScanner.Scan(s_libraryPath));

        Assert.That(areas, Is.SupersetOf(new[] { "Hypervisor", "Qemu", "Sparse" }));
        Assert.That(areas, Has.None.EqualTo("Interop").And.None.EqualTo("BlockSources"), "foundation namespaces are not areas");
    }

    [Test]
    public void The_scanner_sees_the_areas_using_the_foundation()
    {
        List<TypeReferenceEdge> edges = TypeReferenceScanner.Scan(s_libraryPath);

        Assert.That(edges, Has.Some.Matches<TypeReferenceEdge>(edge =>
            edge.From.ToString() == "SparseVirt.Sparse.IO.FileStatus" && edge.To.ToString() == "SparseVirt.Interop.StatxBuffer"));
        Assert.That(edges, Has.Some.Matches<TypeReferenceEdge>(edge =>
            edge.From.ToString() == "SparseVirt.Hypervisor.Collection.KvmDeviceProbe" && edge.To.ToString() == "SparseVirt.Interop.Libc"));
    }

    [Test]
    public void The_checker_catches_references_in_method_bodies_generic_arguments_and_attributes()
    {
        var rule = new AreaRule("AreaRuleFixture", ["Shared"]);
        List<TypeReferenceEdge> edges = TypeReferenceScanner.Scan(typeof(AreaIndependenceTests).Assembly.Location);

        List<string> violations = rule.Violations(edges);

        Assert.That(violations, Is.EqualTo(new[]
        {
            "AreaRuleFixture.Alpha.CallsInBody (area Alpha) uses AreaRuleFixture.Beta.Callee (area Beta): areas must not reference each other",
            "AreaRuleFixture.Alpha.HoldsGeneric (area Alpha) uses AreaRuleFixture.Beta.Payload (area Beta): areas must not reference each other",
            "AreaRuleFixture.Alpha.NamesInAttribute (area Alpha) uses AreaRuleFixture.Beta.Marker (area Beta): areas must not reference each other",
        }));
    }

    [Test]
    public void The_rule_flags_the_foundation_using_an_area_and_allows_areas_using_the_foundation()
    {
        var edges = new[]
        {
            new TypeReferenceEdge(new("SparseVirt.Interop", "Libc"), new("SparseVirt.Nbd", "NbdServer")),
            new TypeReferenceEdge(new("SparseVirt.Nbd.Protocol", "Parser"), new("SparseVirt.BlockSources", "IBlockSource")),
            new TypeReferenceEdge(new("SparseVirt.Layouts", "Gpt"), new("SparseVirt", "ThrowHelper")),
            new TypeReferenceEdge(new("SparseVirt.Layouts", "Gpt"), new("System", "String")),
            new TypeReferenceEdge(new("SparseVirt.Layouts", "Gpt"), new("SparseVirt.Sparse", "SparseImage")),
        };

        Assert.That(AreaRule.SparseVirt.Violations(edges), Is.EqualTo(new[]
        {
            "SparseVirt.Interop.Libc (foundation) uses SparseVirt.Nbd.NbdServer (area Nbd): the foundation must not depend on an area",
            "SparseVirt.Layouts.Gpt (area Layouts) uses SparseVirt.Sparse.SparseImage (area Sparse): areas must not reference each other",
        }));
    }
}
