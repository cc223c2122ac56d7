using System.Buffers;
using System.IO.Pipelines;
using System.Text;
using System.Text.Json;

namespace SparseVirt.Tests.Qemu;

/// <summary>
/// The server end of an in-memory QMP connection: two pipes, one per direction. The test scripts exactly what the
/// "server" sends, byte by byte if it wants, and reads what the client sent.
/// </summary>
internal sealed class FakeQmpServer
{
    public const string Greeting = """{"QMP": {"version": {"qemu": {"micro": 1, "minor": 2, "major": 9}, "package": "fake"}, "capabilities": ["oob"]}}""";

    private readonly Pipe _toClient = new();
    private readonly Pipe _toServer = new();

    public FakeQmpServer()
    {
        ClientPipe = new DuplexPipe(_toClient.Reader, _toServer.Writer);
    }

    public IDuplexPipe ClientPipe { get; }

    public async Task SendAsync(string line) => await SendRawAsync(Encoding.UTF8.GetBytes(line + "\r\n"));

    public async Task SendRawAsync(ReadOnlyMemory<byte> bytes)
    {
        await _toClient.Writer.WriteAsync(bytes);
    }

    /// <summary>Sends <paramref name="line"/> (plus CR LF) in pieces of <paramref name="pieceBytes"/> bytes, each flushed separately.</summary>
    public async Task SendInPiecesAsync(string line, int pieceBytes)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(line + "\r\n");
        for (int offset = 0; offset < bytes.Length; offset += pieceBytes)
        {
            await SendRawAsync(bytes.AsMemory(offset, Math.Min(pieceBytes, bytes.Length - offset)));
            await Task.Yield();
        }
    }

    public async Task CloseAsync() => await _toClient.Writer.CompleteAsync();

    /// <summary>Reads the next request the client sent.</summary>
    public async Task<JsonElement> ReadRequestAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (true)
        {
            ReadResult result = await _toServer.Reader.ReadAsync(timeout.Token);
            ReadOnlySequence<byte> buffer = result.Buffer;
            SequencePosition? newline = buffer.PositionOf((byte)'\n');
            if (newline is { } end)
            {
                using JsonDocument document = JsonDocument.Parse(buffer.Slice(0, end));
                JsonElement request = document.RootElement.Clone();
                _toServer.Reader.AdvanceTo(buffer.GetPosition(1, end));
                return request;
            }
            if (result.IsCompleted)
            {
                throw new EndOfStreamException("The client closed without sending a request.");
            }
            _toServer.Reader.AdvanceTo(buffer.Start, buffer.End);
        }
    }

    /// <summary>Sends the greeting and answers qmp_capabilities, as QEMU does on connect.</summary>
    public async Task NegotiateAsync(string greeting = Greeting)
    {
        await SendAsync(greeting);
        JsonElement request = await ReadRequestAsync();
        Assert.That(request.GetProperty("execute").GetString(), Is.EqualTo("qmp_capabilities"));
        await SendAsync($$"""{"return": {}, "id": {{request.GetProperty("id").GetRawText()}}}""");
    }

    private sealed class DuplexPipe(PipeReader input, PipeWriter output) : IDuplexPipe
    {
        public PipeReader Input { get; } = input;

        public PipeWriter Output { get; } = output;
    }
}
