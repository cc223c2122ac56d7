using System.IO.Pipelines;
using SparseVirt.Nbd;
using SparseVirt.Nbd.Exports;
using SparseVirt.Nbd.Protocol;
using SparseVirt.Nbd.Server;
using static SparseVirt.Fuzz.Harness.NbdClientScript;

namespace SparseVirt.Fuzz.Targets;

/// <summary>
/// One NBD server connection (the library's transport-free <c>Connection.ServeAsync</c>) over in-memory pipes: the
/// input is everything the client sends (handshake flags, options, then requests with their payloads), written at
/// once and followed by the end of the stream; the server's replies are drained and dropped. Two exports: a read-only
/// one and a writable one whose copy-on-write overlay is created once per process and reset before each input.
/// </summary>
/// <remarks>
/// The connection swallows what the protocol says ends it (a protocol violation, the client going away), so findings
/// are: any exception out of it, an error it logs (a request handler failing unexpectedly), and not ending within
/// <see cref="Deadline"/> once the input is exhausted.
/// </remarks>
internal sealed class NbdServerTarget : FuzzTarget
{
    /// <summary>The export names, also in the dictionary.</summary>
    public const string ReadOnlyName = "readonly", WritableName = "writable";

    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(3);

    private static readonly FailureLogger Logger = new();

    private static readonly NbdServerOptions Options = NbdServerOptions.Default.WithLogger(Logger).WithMaxRequestsInFlight(16);

    // Odd lengths on purpose: the writable export's last overlay block is short.
    private static readonly ExportRegistry Exports = ExportRegistry.Open(
    [
        new NbdExport(ReadOnlyName, new MemoryBlockSource(Pattern(192 * 1024))).WithDescription("fuzz read-only export"),
        new NbdExport(WritableName, new MemoryBlockSource(Pattern(200 * 1024 + 123), 512)).WithWritable(),
    ]);

    public override string Name => "nbd-server";

    public override string Description => "one NBD server connection (negotiation, then transmission) over in-memory pipes, the input as the client's bytes";

    public override void Run(byte[] input)
    {
        foreach (ExportVolume volume in Exports.All)
        {
            volume.Overlay?.Reset();
        }
        RunAsync(input).GetAwaiter().GetResult();
        Logger.ThrowIfFailed();
    }

    public override bool IsExpected(Exception exception) =>
        exception is NbdProtocolException or InvalidDataException or EndOfStreamException;

    public override IEnumerable<(string Name, byte[] Bytes)> GeneratedSeeds()
    {
        yield return ("negotiate-and-read-only", Negotiate(ReadOnlyName)
            .Request(Read, 0, 4096)
            .Request(Read, 4000, 8192, DontFragment)
            .Request(BlockStatus, 0, 192 * 1024)
            .Request(BlockStatus, 4096, 65536, RequestOne)
            .Request(Cache, 0, 65536)
            .Request(Flush, 0, 0)
            .WriteRequest(0, 16)
            .Request(Read, 192 * 1024 - 1, 2)
            .Request(Disconnect, 0, 0)
            .ToArray());
        yield return ("negotiate-and-write", Negotiate(WritableName)
            .WriteRequest(100, 512)
            .WriteRequest(8192, 4096, Fua)
            .Request(Read, 0, 16384)
            .Request(Trim, 4096, 8192)
            .Request(WriteZeroes, 20000, 10000)
            .Request(WriteZeroes, 40960, 8192, NoHole | FastZero)
            .Request(Flush, 0, 0)
            .Request(BlockStatus, 0, 65536)
            .Request(BlockStatus, 0, 65536, RequestOne)
            .WriteRequest(200 * 1024 + 100, 23)
            .Request(Read, 200 * 1024, 123)
            .Request(Cache, 0, 4096)
            .Request(Disconnect, 0, 0)
            .ToArray());
        yield return ("export-name-simple-replies", new NbdClientScript()
            .ClientFlags(FixedNewstyle)
            .Option(ExportName, "writable"u8.ToArray())
            .Request(Read, 0, 1024)
            .WriteRequest(512, 1024)
            .Request(Read, 0, 2048)
            .Request(WriteZeroes, 0, 512)
            .Request(Flush, 0, 0)
            .Request(Disconnect, 0, 0)
            .ToArray());
        yield return ("list-then-abort", new NbdClientScript()
            .ClientFlags(FixedNewstyle | NoZeroes)
            .Option(List)
            .InfoOrGo(Info, "", InfoName)
            .Option(Abort)
            .ToArray());
        yield return ("refusals", new NbdClientScript()
            .ClientFlags(FixedNewstyle | NoZeroes)
            .Option(StartTls)
            .Option(99, [1, 2, 3])
            .MetaContext(SetMetaContext, ReadOnlyName, "base:allocation")
            .Option(StructuredReply)
            .MetaContext(SetMetaContext, "missing", "base:allocation")
            .InfoOrGo(Info, "missing")
            .InfoOrGo(Go, ReadOnlyName)
            .Request(Read, 192 * 1024, 1)
            .Request(BlockStatus, 0, 4096)
            .Request(Write, 0, 0)
            .Request(42, 0, 0)
            .ToArray());
    }

    /// <summary>Handshake flags and every option a modern client sends, ending with GO for <paramref name="export"/>.</summary>
    private static NbdClientScript Negotiate(string export) => new NbdClientScript()
        .ClientFlags(FixedNewstyle | NoZeroes)
        .Option(StructuredReply)
        .Option(List)
        .MetaContext(ListMetaContext, export)
        .MetaContext(SetMetaContext, export, "base:allocation")
        .InfoOrGo(Info, export, InfoName, InfoDescription, InfoBlockSize)
        .InfoOrGo(Go, export, InfoBlockSize);

    private static byte[] Pattern(int length) => Enumerable.Range(0, length).Select(i => (byte)(i / 512 % 2 == 0 ? i : 0)).ToArray();

    private static async Task RunAsync(byte[] input)
    {
        // The client's bytes are all there from the start and then the stream ends, so the server always sees EOF.
        // Inline schedulers: continuations run on the thread that completed the read or flush, not on another pool
        // thread, so fewer thread hops interleave the instrumented code differently from one run to the next.
        var toServer = new Pipe(new PipeOptions(readerScheduler: PipeScheduler.Inline, writerScheduler: PipeScheduler.Inline, pauseWriterThreshold: 0));
        var toClient = new Pipe(new PipeOptions(readerScheduler: PipeScheduler.Inline, writerScheduler: PipeScheduler.Inline));
        await toServer.Writer.WriteAsync(input).ConfigureAwait(false);
        await toServer.Writer.CompleteAsync().ConfigureAwait(false);
        Task draining = DrainAsync(toClient.Reader);
        Task serving = Connection.ServeAsync(1, toServer.Reader, toClient.Writer, Exports, Options, new PieceBudget(PieceBudget.DefaultSharedPieces), Logger, CancellationToken.None);
        try
        {
            await serving.WaitAsync(Deadline).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            throw new FuzzFindingException($"The connection did not end within {Deadline.TotalSeconds} s of the client's end of stream.");
        }
        await draining.ConfigureAwait(false);
    }

    private static async Task DrainAsync(PipeReader replies)
    {
        while (true)
        {
            ReadResult result = await replies.ReadAsync().ConfigureAwait(false);
            replies.AdvanceTo(result.Buffer.End);
            if (result.IsCompleted)
            {
                await replies.CompleteAsync().ConfigureAwait(false);
                return;
            }
        }
    }
}
