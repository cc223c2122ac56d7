using System.Globalization;
using SparseVirt.BlockSources;
using SparseVirt.Layouts.Super;
using SparseVirt.Tests.Infrastructure;
using SparseVirt.Tests.Layouts;

namespace SparseVirt.Tests.TestGuests.AndroidFirstStage;

/// <summary>
/// The guest's first-stage-mount reads liblp metadata as AOSP writes it: on a super image made by AOSP's lpmake, its
/// device-mapper tables (printed by <c>--table</c>, which maps nothing) are the library's reading of the same image;
/// it reads the backup copy when the primary's checksum fails, and refuses the image when both fail.
/// </summary>
public class FirstStageMountTests
{
    private const long MetadataSize = 65536;
    private const long PrimarySlot0 = 4096 + (2 * 4096);

    [Test]
    public void It_maps_lpmakes_partitions_as_the_library_reads_them_and_falls_back_to_the_backup_copy()
    {
        using var folder = new TempDirectory();
        string firstStageMount = AndroidFirstStage.BuildFirstStageMount(folder.FullPath);
        string super = folder.Combine("super.raw");
        LayoutFixtures.Lpmake(
            "--device-size", "16777216", "--metadata-size", MetadataSize.ToString(CultureInfo.InvariantCulture), "--metadata-slots", "2",
            "--group", "main:0", "--partition", "system_a:readonly:2457600:main", "--partition", "vendor_a:none:1228800:main",
            "--image", "system_a=" + LayoutFixtures.WriteImage(folder, "system.raw", 600, seed: 1),
            "--image", "vendor_a=" + LayoutFixtures.WriteImage(folder, "vendor.raw", 300, seed: 2),
            "--output", super);
        string expected = ExpectedTables(super);

        ToolResult intact = ExternalTool.Run(firstStageMount, ["--table", super, "0", "system_a", "vendor_a"]);
        FlipByte(super, PrimarySlot0 + 20); // inside the header checksum: the primary copy of slot 0 no longer verifies
        ToolResult fromBackup = ExternalTool.Run(firstStageMount, ["--table", super, "0", "system_a", "vendor_a"]);
        FlipByte(super, PrimarySlot0 + (2 * MetadataSize) + 20); // the backup copy of slot 0 (after both primaries)
        ToolResult neither = ExternalTool.Run(firstStageMount, ["--table", super, "0", "system_a"]);

        Assert.Multiple(() =>
        {
            Assert.That(intact.ExitCode, Is.Zero, intact.Error);
            Assert.That(intact.Output.ReplaceLineEndings("\n"), Is.EqualTo(expected));
            Assert.That(intact.Error, Is.Empty);
            Assert.That(fromBackup.ExitCode, Is.Zero, fromBackup.Error);
            Assert.That(fromBackup.Output.ReplaceLineEndings("\n"), Is.EqualTo(expected));
            Assert.That(fromBackup.Error, Does.Contain("slot 0 primary metadata invalid; reading its backup"));
            Assert.That(neither.ExitCode, Is.EqualTo(1));
            Assert.That(neither.Error, Does.Contain("neither metadata copy of the slot is valid"));
        });
    }

    /// <summary>What --table prints for system_a and vendor_a, from the library's reading of <paramref name="super"/>.</summary>
    private static string ExpectedTables(string super)
    {
        using RawFileBlockSource source = RawFileBlockSource.Open(super);
        LpMetadata metadata = SuperImage.Open(source).Metadata;
        return $"system_a: table: {AndroidFirstStage.TableOf(metadata, "system_a", super)}\nvendor_a: table: {AndroidFirstStage.TableOf(metadata, "vendor_a", super)}\n";
    }

    private static void FlipByte(string path, long offset)
    {
        using FileStream stream = File.Open(path, FileMode.Open, FileAccess.ReadWrite);
        stream.Position = offset;
        int value = stream.ReadByte();
        stream.Position = offset;
        stream.WriteByte((byte)(value ^ 0xFF));
    }
}
