using System.Text;
using System.Text.Json;
using SparseVirt.Qemu.Qmp;
using SparseVirt.Tests.Infrastructure;

namespace SparseVirt.Tests.Qemu;

/// <summary>
/// Regressions for what the qmp-client fuzz target found. The inputs in FuzzFindings/ are in that target's format:
/// what the server sends, cut into turns at NUL bytes, each turn sent after the client's next request.
/// </summary>
[TestFixture]
[CancelAfter(30_000)]
public sealed class QmpFuzzFindingTests
{
    private static readonly QmpClientOptions Options = QmpClientOptions.Default.WithNegotiationTimeout(TimeSpan.FromSeconds(10)).WithCommandTimeout(TimeSpan.FromSeconds(10));

    [Test]
    public async Task A_greeting_without_the_qemu_member_connects_with_version_zero_instead_of_a_NullReferenceException()
    {
        byte[][] turns = FuzzFindingInputs.Turns("qmp-client-greeting-without-qemu-member.bin");
        var server = new FakeQmpServer();
        Task<QmpClient> connecting = QmpClient.ConnectAsync(server.ClientPipe, Options);
        await server.SendRawAsync(turns[0]);
        JsonElement request = await server.ReadRequestAsync();
        Assert.That(request.GetProperty("execute").GetString(), Is.EqualTo("qmp_capabilities"));
        await server.SendRawAsync(turns[1]);
        await using QmpClient client = await connecting;
        Assert.That(client.Greeting.Version.Qemu, Is.Not.Null);
        Assert.That(client.Greeting.Version.Qemu.ToVersion(), Is.EqualTo(new Version(0, 0, 0)));
        Assert.That(client.Greeting.Version.Package, Is.EqualTo("fuzz"));
    }

    [Test]
    public async Task A_query_version_reply_without_members_gives_defaults_not_nulls()
    {
        var server = new FakeQmpServer();
        Task<QmpClient> connecting = QmpClient.ConnectAsync(server.ClientPipe, Options);
        await server.NegotiateAsync();
        await using QmpClient client = await connecting;
        Task<QmpVersionInfo> version = client.QueryVersionAsync();
        JsonElement request = await server.ReadRequestAsync();
        await server.SendRawAsync(Encoding.UTF8.GetBytes($$"""{"return": {}, "id": {{request.GetProperty("id").GetRawText()}}}""" + "\r\n"));
        QmpVersionInfo info = await version;
        Assert.That(info.Qemu, Is.Not.Null);
        Assert.That(info.Package, Is.Empty);
    }
}
