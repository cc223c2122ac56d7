using SparseVirt.BlockSources;
using SparseVirt.Nbd;
using SparseVirt.Tests.Infrastructure;

namespace SparseVirt.Tests.Nbd;

/// <summary>The server against real clients: libnbd's nbdinfo and nbdcopy, QEMU's qemu-img and qemu-io.</summary>
public class NbdClientInteropTests
{
    private static ScriptedBlockSource MixedSource() => new(
        4096,
        (64 * 1024, BlockExtentKind.Data),
        (1024 * 1024, BlockExtentKind.Hole),
        (4096, BlockExtentKind.Data),
        (128 * 1024, BlockExtentKind.Zero),
        (300 * 1024, BlockExtentKind.Data),
        (2 * 1024 * 1024, BlockExtentKind.Hole),
        (8192, BlockExtentKind.Data));

    [Test]
    public async Task Qemu_img_compare_and_nbdcopy_see_exactly_the_sources_bytes()
    {
        using var dir = new TempDirectory();
        var source = MixedSource();
        string raw = dir.Combine("expected.raw");
        File.WriteAllBytes(raw, source.ToArray());
        await using NbdServer server = await NbdServer.StartAsync([new NbdExport("disk", source)]);
        string uri = server.GetUri();

        ToolResult compare = ExternalTool.Run(NbdTools.QemuImg, ["compare", "-f", "raw", "-F", "raw", raw, uri]);
        Assert.That(compare.ExitCode, Is.Zero, compare.Output + compare.Error);

        string copied = dir.Combine("copied.raw");
        ExternalTool.RunChecked(NbdTools.NbdCopy, uri, copied);
        string copiedNoExtents = dir.Combine("copied-no-extents.raw");
        ExternalTool.RunChecked(NbdTools.NbdCopy, "--no-extents", uri, copiedNoExtents);
        Assert.That(File.ReadAllBytes(copied), Is.EqualTo(source.ToArray()));
        Assert.That(File.ReadAllBytes(copiedNoExtents), Is.EqualTo(source.ToArray()));
    }

    [Test]
    public async Task Nbdinfo_and_qemu_img_map_report_the_sources_extents_merged()
    {
        var source = MixedSource();
        await using NbdServer server = await NbdServer.StartAsync([new NbdExport("disk", source)]);
        string uri = server.GetUri();

        var map = NbdTools.NbdInfoMap(uri);
        Assert.That(map, Is.EqualTo(NbdTools.ExpectedMap(source)));
        Assert.That(map, Has.Count.LessThanOrEqualTo(source.Extents.Count));

        foreach ((long start, long length, bool data, bool zero) in NbdTools.QemuImgMap(uri))
        {
            var kinds = source.GetExtents(start, length).Select(e => e.Kind).Distinct().ToList();
            Assert.That(kinds, Has.Count.EqualTo(1), $"qemu-img's extent at {start} spans one kind");
            if (kinds[0] == BlockExtentKind.Hole)
            {
                Assert.That((data, zero), Is.EqualTo((false, true)), $"hole at {start}");
            }
            else if (kinds[0] == BlockExtentKind.Data)
            {
                Assert.That((data, zero), Is.EqualTo((true, false)), $"data at {start}");
            }
            else
            {
                Assert.That(zero, Is.True, $"zeros at {start}");
            }
        }
    }

    [Test]
    public async Task Qemu_img_convert_writes_an_output_as_sparse_as_the_data()
    {
        using var dir = new TempDirectory();
        var source = MixedSource();
        await using NbdServer server = await NbdServer.StartAsync([new NbdExport("disk", source)]);
        string output = dir.Combine("out.raw");

        ExternalTool.RunChecked(NbdTools.QemuImg, "convert", "-f", "raw", "-O", "raw", server.GetUri(), output);

        long dataBytes = source.Extents.Where(e => e.Kind == BlockExtentKind.Data).Sum(e => e.Length);
        Assert.That(File.ReadAllBytes(output), Is.EqualTo(source.ToArray()));
        Assert.That(NbdTools.AllocatedBytes(output), Is.LessThanOrEqualTo(dataBytes + (64 * 1024)));
    }

    [Test]
    public async Task Several_exports_are_listed_and_served_by_name()
    {
        var small = new MemoryBlockSource(new byte[8192]);
        var mixed = MixedSource();
        await using NbdServer server = await NbdServer.StartAsync(
            [new NbdExport("system", mixed).WithDescription("the system image"), new NbdExport("vendor", small)]);

        ToolResult list = ExternalTool.RunChecked(NbdTools.NbdInfo, "--list", "--json", server.GetUri("system"));
        Assert.That(list.Output, Does.Contain("\"system\"").And.Contain("\"vendor\"").And.Contain("the system image"));
        Assert.That(ExternalTool.RunChecked(NbdTools.NbdInfo, "--size", server.GetUri("vendor")).Output.Trim(), Is.EqualTo("8192"));
        Assert.That(ExternalTool.RunChecked(NbdTools.NbdInfo, "--size", server.GetUri("system")).Output.Trim(), Is.EqualTo(mixed.Length.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        ToolResult missing = ExternalTool.Run(NbdTools.NbdInfo, ["--size", server.GetUri("system").Replace("/system?", "/nosuch?", StringComparison.Ordinal)]);
        Assert.That(missing.ExitCode, Is.Not.Zero);
    }

    [Test]
    public async Task Nbdinfo_sees_a_read_only_multi_connection_export_with_the_sources_block_size()
    {
        var source = new ScriptedBlockSource(16384, (1024 * 1024, BlockExtentKind.Data));
        await using NbdServer server = await NbdServer.StartAsync([new NbdExport("disk", source)]);

        ToolResult info = ExternalTool.RunChecked(NbdTools.NbdInfo, "--json", server.GetUri());

        Assert.That(info.Output, Does.Contain("\"is_read_only\": true").And.Contain("\"can_multi_conn\": true"));
        Assert.That(info.Output, Does.Contain("\"block_size_preferred\": 16384"));
        Assert.That(info.Output, Does.Contain("\"can_cache\": true").And.Contain("\"can_df\": true"));
    }

    [Test]
    public async Task Tcp_listens_on_loopback_and_serves_the_same_bytes()
    {
        var source = MixedSource();
        await using NbdServer server = await NbdServer.StartAsync([new NbdExport("disk", source)], NbdServerOptions.Default.WithLoopbackTcp());

        Assert.That(server.TcpEndPoint!.Address, Is.EqualTo(System.Net.IPAddress.Loopback));
        Assert.That(server.UnixSocketPath, Is.Null);
        Assert.That(server.GetUri(), Does.StartWith("nbd://127.0.0.1:").And.EndWith("/disk"));
        Assert.That(NbdTools.NbdInfoMap(server.GetUri()), Is.EqualTo(NbdTools.ExpectedMap(source)));
    }
}
