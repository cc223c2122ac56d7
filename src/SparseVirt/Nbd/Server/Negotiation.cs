using System.Buffers;
using System.IO.Pipelines;
using Microsoft.Extensions.Logging;
using SparseVirt.Nbd.Exports;
using SparseVirt.Nbd.Protocol;

namespace SparseVirt.Nbd.Server;

/// <summary>What negotiation settled: the export and the reply forms the client asked for.</summary>
internal sealed record NegotiatedSession(ExportVolume Volume, bool StructuredReplies, bool BaseAllocation);

/// <summary>
/// The fixed newstyle handshake and option haggling of one connection: answers every option (unknown ones with
/// ERR_UNSUP, then reads the next) until the client picks an export (GO or EXPORT_NAME) or gives up.
/// </summary>
internal sealed class Negotiation(PipeReader reader, PipeWriter writer, ExportRegistry exports, int connection, ILogger logger)
{
    /// <summary>The largest option data read: export names and queries are at most 4096 bytes each.</summary>
    public const int MaxOptionBytes = 64 * 1024;

    /// <summary>The id of <c>base:allocation</c> in block status replies.</summary>
    public const uint BaseAllocationContextId = 1;

    private const string BaseAllocation = "base:allocation";

    /// <summary>The minimum block size advertised: any alignment works (partial blocks are completed in the overlay).</summary>
    private const uint MinimumBlockSize = 1;

    private bool _structured;
    private bool _noZeroes;
    private ExportVolume? _metaContextExport;

    /// <summary>Runs the handshake; null when the client aborted.</summary>
    /// <exception cref="NbdProtocolException">The client broke the protocol; the connection must close.</exception>
    public async Task<NegotiatedSession?> RunAsync(CancellationToken cancellationToken)
    {
        NbdReplyWriter.WriteGreeting(writer, NbdHandshakeFlags.FixedNewstyle | NbdHandshakeFlags.NoZeroes);
        await writer.FlushAsync(cancellationToken).ConfigureAwait(false);
        uint clientFlags = await ReadClientFlagsAsync(cancellationToken).ConfigureAwait(false);
        const uint known = (uint)(NbdHandshakeFlags.FixedNewstyle | NbdHandshakeFlags.NoZeroes);
        if ((clientFlags & ~known) != 0)
        {
            throw new NbdProtocolException($"The client's handshake flags 0x{clientFlags:x8} include unknown bits 0x{clientFlags & ~known:x8}.");
        }
        _noZeroes = (clientFlags & (uint)NbdHandshakeFlags.NoZeroes) != 0;
        while (true)
        {
            (NbdOptionHeader header, byte[] data) = await ReadOptionAsync(cancellationToken).ConfigureAwait(false);
            NegotiationStep step = Answer(header, data);
            await writer.FlushAsync(cancellationToken).ConfigureAwait(false);
            if (step.Finished)
            {
                return step.Session;
            }
        }
    }

    private NegotiationStep Answer(NbdOptionHeader header, byte[] data)
    {
        uint option = header.Option;
        switch ((NbdOption)option)
        {
            case NbdOption.ExportName:
                return ExportName(data);
            case NbdOption.Abort:
                NbdReplyWriter.WriteOptionReply(writer, option, NbdOptionReplyType.Ack);
                return Logged(header, "ACK (abort)", NegotiationStep.End(null));
            case NbdOption.List when data.Length != 0:
                return Error(header, NbdOptionReplyType.ErrorInvalid, "NBD_OPT_LIST takes no data.");
            case NbdOption.List:
                foreach (ExportVolume volume in exports.All)
                {
                    NbdReplyWriter.WriteServer(writer, option, volume.Name, volume.Export.Description);
                }
                NbdReplyWriter.WriteOptionReply(writer, option, NbdOptionReplyType.Ack);
                return Logged(header, "SERVER list", NegotiationStep.Continue);
            case NbdOption.StructuredReply when data.Length != 0:
                return Error(header, NbdOptionReplyType.ErrorInvalid, "NBD_OPT_STRUCTURED_REPLY takes no data.");
            case NbdOption.StructuredReply:
                _structured = true;
                NbdReplyWriter.WriteOptionReply(writer, option, NbdOptionReplyType.Ack);
                return Logged(header, "ACK", NegotiationStep.Continue);
            case NbdOption.Info:
            case NbdOption.Go:
                return InfoOrGo(header, data);
            case NbdOption.ListMetaContext:
            case NbdOption.SetMetaContext:
                return MetaContext(header, data);
            case NbdOption.StartTls:
                return Error(header, NbdOptionReplyType.ErrorUnsupported, "This server does not offer TLS; it listens on a private Unix socket or loopback.");
            case NbdOption.ExtendedHeaders:
                return Error(header, NbdOptionReplyType.ErrorUnsupported, "Extended headers are not implemented; use compact headers and structured replies.");
            default:
                return Error(header, NbdOptionReplyType.ErrorUnsupported, $"Option {option} is not supported.");
        }
    }

    private NegotiationStep ExportName(byte[] data)
    {
        if (!NbdStrings.TryDecode(data, out string name))
        {
            throw new NbdProtocolException("NBD_OPT_EXPORT_NAME carries a name that is not a valid protocol string.");
        }
        // This option cannot be refused with an error reply: the protocol says to close the connection instead.
        ExportVolume volume = exports.Find(name) ?? throw new NbdProtocolException($"NBD_OPT_EXPORT_NAME asks for export '{name}', which does not exist.");
        NbdReplyWriter.WriteExportNameReply(writer, (ulong)volume.Length, volume.TransmissionFlags(_structured), sendZeroes: !_noZeroes);
        return NegotiationStep.End(Session(volume));
    }

    private NegotiationStep InfoOrGo(NbdOptionHeader header, byte[] data)
    {
        uint option = header.Option;
        if (NbdInfoRequest.TryParse(data) is not { } request)
        {
            return Error(header, NbdOptionReplyType.ErrorInvalid, "The option's data is not a name, a count and that many information requests.");
        }
        if (exports.Find(request.ExportName) is not { } volume)
        {
            return Error(header, NbdOptionReplyType.ErrorUnknown, $"There is no export named '{request.ExportName}'.");
        }
        NbdReplyWriter.WriteInfoExport(writer, option, (ulong)volume.Length, volume.TransmissionFlags(_structured));
        if (request.Requested.Contains(NbdInfoType.Name))
        {
            NbdReplyWriter.WriteInfoString(writer, option, NbdInfoType.Name, volume.Name);
        }
        if (request.Requested.Contains(NbdInfoType.Description) && volume.Export.Description is { } description)
        {
            NbdReplyWriter.WriteInfoString(writer, option, NbdInfoType.Description, description);
        }
        // Sent whether asked or not: the constraints are loose (minimum 1), so a client that ignores them loses nothing.
        NbdReplyWriter.WriteInfoBlockSize(writer, option, MinimumBlockSize, (uint)volume.PreferredBlockSize, Transmission.MaxPayloadBytes);
        NbdReplyWriter.WriteOptionReply(writer, option, NbdOptionReplyType.Ack);
        return (NbdOption)option == NbdOption.Go
            ? Logged(header, "INFO, ACK (go)", NegotiationStep.End(Session(volume)))
            : Logged(header, "INFO, ACK", NegotiationStep.Continue);
    }

    private NegotiationStep MetaContext(NbdOptionHeader header, byte[] data)
    {
        uint option = header.Option;
        bool set = (NbdOption)option == NbdOption.SetMetaContext;
        if (!_structured)
        {
            return Error(header, NbdOptionReplyType.ErrorInvalid, "Metadata contexts need structured replies, negotiated first.");
        }
        if (NbdMetaContextRequest.TryParse(data) is not { } request)
        {
            return Error(header, NbdOptionReplyType.ErrorInvalid, "The option's data is not an export name, a count and that many queries.");
        }
        if (exports.Find(request.ExportName) is not { } volume)
        {
            return Error(header, NbdOptionReplyType.ErrorUnknown, $"There is no export named '{request.ExportName}'.");
        }
        // The only context is base:allocation. Listing accepts the bare namespace "base:" too; an empty query list
        // lists everything, and for SET selects nothing.
        bool matched = set
            ? request.Queries.Contains(BaseAllocation)
            : request.Queries.Count == 0 || request.Queries.Any(q => q is BaseAllocation or "base:");
        if (matched)
        {
            NbdReplyWriter.WriteMetaContext(writer, option, set ? BaseAllocationContextId : 0, BaseAllocation);
        }
        if (set)
        {
            _metaContextExport = matched ? volume : null;
        }
        NbdReplyWriter.WriteOptionReply(writer, option, NbdOptionReplyType.Ack);
        return Logged(header, matched ? "META_CONTEXT base:allocation, ACK" : "ACK (no context)", NegotiationStep.Continue);
    }

    private NegotiatedSession Session(ExportVolume volume) =>
        // Contexts chosen for another export do not carry over to this one.
        new(volume, _structured, _structured && ReferenceEquals(_metaContextExport, volume));

    private NegotiationStep Error(NbdOptionHeader header, NbdOptionReplyType type, string message)
    {
        NbdReplyWriter.WriteOptionError(writer, header.Option, type, message);
        return Logged(header, type.ToString(), NegotiationStep.Continue);
    }

    private NegotiationStep Logged(NbdOptionHeader header, string reply, NegotiationStep step)
    {
        NbdLog.OptionAnswered(logger, connection, header.Option, header.Length, reply);
        return step;
    }

    private async Task<uint> ReadClientFlagsAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            ReadResult result = await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            var sequence = new SequenceReader<byte>(result.Buffer);
            if (sequence.TryReadBigEndian(out int flags))
            {
                reader.AdvanceTo(sequence.Position);
                return (uint)flags;
            }
            if (result.IsCompleted)
            {
                throw new EndOfStreamException("The client closed the connection before sending its handshake flags.");
            }
            reader.AdvanceTo(result.Buffer.Start, result.Buffer.End);
        }
    }

    private async Task<(NbdOptionHeader Header, byte[] Data)> ReadOptionAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            ReadResult result = await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            ReadOnlySequence<byte> buffer = result.Buffer;
            var sequence = new SequenceReader<byte>(buffer);
            if (NbdOptionHeader.TryParse(ref sequence, out NbdOptionHeader header))
            {
                if (header.Length > MaxOptionBytes)
                {
                    // Refused before a byte of it is buffered; skipping gigabytes is not worth it, so the connection closes.
                    reader.AdvanceTo(sequence.Position);
                    NbdReplyWriter.WriteOptionError(writer, header.Option, NbdOptionReplyType.ErrorTooBig, $"Option data of {header.Length} bytes exceeds the {MaxOptionBytes}-byte limit.");
                    await writer.FlushAsync(cancellationToken).ConfigureAwait(false);
                    throw new NbdProtocolException($"Option {header.Option} announces {header.Length} bytes of data, over the {MaxOptionBytes}-byte limit.");
                }
                if (sequence.Remaining >= header.Length)
                {
                    byte[] data = sequence.UnreadSequence.Slice(0, header.Length).ToArray();
                    reader.AdvanceTo(buffer.GetPosition(NbdOptionHeader.Size + header.Length));
                    return (header, data);
                }
            }
            if (result.IsCompleted)
            {
                throw new EndOfStreamException("The client closed the connection during negotiation.");
            }
            reader.AdvanceTo(buffer.Start, buffer.End);
        }
    }

    private readonly record struct NegotiationStep(bool Finished, NegotiatedSession? Session)
    {
        public static NegotiationStep Continue => default;

        public static NegotiationStep End(NegotiatedSession? session) => new(true, session);
    }
}
