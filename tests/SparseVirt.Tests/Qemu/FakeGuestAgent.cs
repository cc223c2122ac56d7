using System.IO.Pipelines;
using System.Text;
using System.Text.Json;

namespace SparseVirt.Tests.Qemu;

/// <summary>
/// The agent end of an in-memory guest agent channel: the test scripts exactly what the "agent" sends, byte by byte if
/// it wants, and reads the requests the client sent (the 0xFF before a sync request stripped).
/// </summary>
internal sealed class FakeGuestAgent
{
    private readonly Pipe _toClient = new();
    private readonly Pipe _toAgent = new();
    private readonly StreamReader _requests;

    public FakeGuestAgent()
    {
        ClientStream = new DuplexStream(_toClient.Reader.AsStream(), _toAgent.Writer.AsStream());
        _requests = new StreamReader(_toAgent.Reader.AsStream(), Encoding.Latin1);
    }

    /// <summary>The client's end, for <c>GuestAgentClient.ConnectAsync(Stream)</c>.</summary>
    public Stream ClientStream { get; }

    /// <summary>The next request the client sent, as JSON.</summary>
    public async Task<JsonElement> ReadRequestAsync()
    {
        string line = await _requests.ReadLineAsync() ?? throw new EndOfStreamException("The client closed the channel.");
        using JsonDocument request = JsonDocument.Parse(line.TrimStart('\xFF'));
        return request.RootElement.Clone();
    }

    /// <summary>Reads the client's <c>guest-sync-delimited</c> and answers it as qemu-ga does: 0xFF, then the id.</summary>
    public async Task AnswerSyncAsync()
    {
        JsonElement sync = await ReadRequestAsync();
        long id = sync.GetProperty("arguments").GetProperty("id").GetInt64();
        await SendRawAsync((byte[])[0xFF, .. Encoding.ASCII.GetBytes($"{{\"return\": {id}}}\n")]);
    }

    public async Task SendRawAsync(ReadOnlyMemory<byte> bytes) => await _toClient.Writer.WriteAsync(bytes);

    public async Task SendAsync(string line) => await SendRawAsync(Encoding.UTF8.GetBytes(line + "\n"));

    /// <summary>The agent closes the channel.</summary>
    public async Task CloseAsync() => await _toClient.Writer.CompleteAsync();
}
