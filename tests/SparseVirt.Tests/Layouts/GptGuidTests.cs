using SparseVirt.BlockSources;
using SparseVirt.Layouts.Gpt;

namespace SparseVirt.Tests.Layouts;

/// <summary>The GUIDs of a composed disk: derived from the layout by default, seeded by a fixed disk GUID, random when asked.</summary>
public class GptGuidTests
{
    private static GptCompositeDefinition Definition(string secondLabel = "super", int secondLength = 3 * 1024 * 1024) => GptCompositeDefinition.Empty
        .WithPartition("vbmeta", new MemoryBlockSource(new byte[4096]))
        .WithPartition(secondLabel, new MemoryBlockSource(new byte[secondLength]))
        .WithPartition("misc", new MemoryBlockSource(new byte[4096]));

    private static Guid[] Guids(GptCompositeDefinition definition)
    {
        GptTable table = GptComposer.Compose(definition).Table;
        return [table.DiskId, .. table.Partitions.Select(p => p.UniqueId)];
    }

    [Test]
    public void The_name_based_uuid_is_rfc_9562s_version_8_example()
    {
        // RFC 9562, appendix B.2: SHA-256 of the DNS namespace and "www.example.com".
        Guid dns = new("6ba7b810-9dad-11d1-80b4-00c04fd430c8");

        Assert.That(GptGuids.NameBased(dns, "www.example.com"), Is.EqualTo(new Guid("5c146b14-3c52-8afd-938a-375d0df1fbf6")));
    }

    [Test]
    public void The_same_layout_gives_the_same_valid_distinct_guids_and_another_layout_others()
    {
        Guid[] first = Guids(Definition()), second = Guids(Definition());

        Assert.That(second, Is.EqualTo(first));
        Assert.That(first, Is.Unique, "the disk and every partition its own, even two partitions of the same size");
        Assert.That(first.Select(g => (g.Version, g.Variant >> 2)), Is.All.EqualTo((8, 0b10)));
        Assert.That(Guids(Definition(secondLabel: "super2")), Has.None.AnyOf(first.Cast<object>().ToArray()), "a label changes every GUID");
        Assert.That(Guids(Definition(secondLength: 5 * 1024 * 1024))[0], Is.Not.EqualTo(first[0]), "a size changes the disk GUID");
    }

    [Test]
    public void A_fixed_disk_guid_seeds_the_partitions_and_given_ones_are_kept()
    {
        Guid seed = new("5a7e0b2c-1d3f-4e5a-9b8c-7d6e5f4a3b2c"), given = new("11111111-2222-3333-4444-555555555555");
        Guid[] derived = Guids(Definition());

        Guid[] seeded = Guids(Definition().WithDiskId(seed));
        Guid[] mixed = Guids(GptCompositeDefinition.Empty.WithDiskId(seed)
            .WithPartition("vbmeta", new MemoryBlockSource(new byte[4096]), given)
            .WithPartition("super", new MemoryBlockSource(new byte[3 * 1024 * 1024]))
            .WithPartition("misc", new MemoryBlockSource(new byte[4096])));

        Assert.That(seeded[0], Is.EqualTo(seed));
        Assert.That(seeded[1..], Has.None.AnyOf(derived.Cast<object>().ToArray()), "the seed varies every partition GUID");
        Assert.That(Guids(Definition().WithDiskId(seed)), Is.EqualTo(seeded));
        Assert.That(mixed, Is.EqualTo(new[] { seed, given, seeded[2], seeded[3] }));
    }

    [Test]
    public void Random_guids_differ_each_time_and_can_be_turned_off_again()
    {
        GptCompositeDefinition random = Definition().WithRandomGuids();

        Guid[] first = Guids(random), second = Guids(random);

        Assert.That(random.RandomGuids, Is.True);
        Assert.That(second, Has.None.AnyOf(first.Cast<object>().ToArray()));
        Assert.That(first.Select(g => g.Version), Is.All.EqualTo(4));
        Assert.That(Guids(random.WithRandomGuids(false)), Is.EqualTo(Guids(Definition())));
    }
}
