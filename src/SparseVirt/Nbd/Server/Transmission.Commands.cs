using System.Buffers;
using SparseVirt.BlockSources;
using SparseVirt.Nbd.Protocol;

namespace SparseVirt.Nbd.Server;

/// <summary>The handling of each request: checks, then the export, then the reply.</summary>
internal sealed partial class Transmission
{
    /// <summary>The most descriptors in one block status reply; the client asks again from where it stopped.</summary>
    private const int MaxDescriptors = 4096;

    private async Task DispatchAsync(NbdRequestHeader header, byte[]? payload)
    {
        if (Check(header) is { } refusal)
        {
            await SendErrorAsync(header, refusal.Error, refusal.Message).ConfigureAwait(false);
            return;
        }
        try
        {
            long offset = (long)header.Offset;
            bool fua = (header.Flags & NbdCommandFlags.ForceUnitAccess) != 0;
            switch (header.Command)
            {
                case NbdCommand.Read:
                    await (_session.StructuredReplies ? ReadStructuredAsync(header) : ReadSimpleAsync(header)).ConfigureAwait(false);
                    return;
                case NbdCommand.BlockStatus:
                    await BlockStatusAsync(header).ConfigureAwait(false);
                    return;
                case NbdCommand.Write:
                    await _volume.Overlay!.WriteAsync(offset, payload.AsMemory(0, (int)header.Length), fua, _stopping).ConfigureAwait(false);
                    break;
                case NbdCommand.WriteZeroes:
                    bool allocate = (header.Flags & NbdCommandFlags.NoHole) != 0;
                    await _volume.Overlay!.ZeroAsync(offset, header.Length, allocate, fua, _stopping).ConfigureAwait(false);
                    break;
                case NbdCommand.Trim:
                    await _volume.Overlay!.ZeroAsync(offset, header.Length, allocate: false, fua, _stopping).ConfigureAwait(false);
                    break;
                case NbdCommand.Flush when _volume.Overlay is { } overlay:
                    await overlay.FlushAsync(_stopping).ConfigureAwait(false);
                    break;
                default:
                    // FLUSH of a read-only export, CACHE: nothing to do (the source is read through the page cache).
                    break;
            }
            await SendAsync(header, NbdError.None).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested && !_aborted.IsCancellationRequested)
        {
            await SendErrorAsync(header, NbdError.Shutdown, "The server is shutting down.").ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException && !_aborted.IsCancellationRequested)
        {
            NbdLog.ReadFailed(_logger, _connection, (long)header.Offset, exception);
            await SendErrorAsync(header, NbdError.InputOutput, exception.Message).ConfigureAwait(false);
        }
    }

    /// <summary>The protocol's checks of flags and ranges, before the export is touched; null when the request may go ahead.</summary>
    private (NbdError Error, string Message)? Check(NbdRequestHeader header)
    {
        NbdCommandFlags allowed = header.Command switch
        {
            NbdCommand.Read => _session.StructuredReplies ? NbdCommandFlags.DontFragment : NbdCommandFlags.None,
            NbdCommand.WriteZeroes => NbdCommandFlags.NoHole | NbdCommandFlags.FastZero,
            NbdCommand.BlockStatus => NbdCommandFlags.RequestOne,
            _ => NbdCommandFlags.None,
        };
        // FUA is accepted on every command: the protocol notes clients that set it on reads too.
        allowed |= NbdCommandFlags.ForceUnitAccess;
        if ((header.Flags & ~allowed) != 0)
        {
            return (NbdError.InvalidArgument, $"Flags 0x{(ushort)header.Flags:x4} are not valid for command {header.Command}.");
        }
        bool outOfRange = header.End > (ulong)_volume.Length;
        string range = $"[{header.Offset}, +{header.Length}) of a {_volume.Length}-byte export";
        switch (header.Command)
        {
            case NbdCommand.Read when header.Length > MaxPayloadBytes:
                return (NbdError.InvalidArgument, $"A read of {header.Length} bytes exceeds the {MaxPayloadBytes}-byte request limit.");
            case NbdCommand.Read or NbdCommand.Cache when outOfRange:
                return (NbdError.InvalidArgument, $"The range {range} ends past the export's end.");
            case NbdCommand.BlockStatus when !_session.BaseAllocation:
                return (NbdError.InvalidArgument, "Block status needs the base:allocation context, selected during negotiation.");
            case NbdCommand.BlockStatus when outOfRange || header.Length == 0:
                return (NbdError.InvalidArgument, $"The block status range {range} is empty or ends past the export's end.");
            case NbdCommand.Write or NbdCommand.WriteZeroes or NbdCommand.Trim when _volume.Overlay is null:
                return (NbdError.NotPermitted, $"Export '{_volume.Name}' is read-only.");
            case NbdCommand.Write or NbdCommand.WriteZeroes or NbdCommand.Trim when outOfRange:
                return (NbdError.NoSpace, $"The range {range} ends past the export's end.");
            case NbdCommand.Read or NbdCommand.Write or NbdCommand.WriteZeroes or NbdCommand.Trim or NbdCommand.Flush
                or NbdCommand.Cache or NbdCommand.BlockStatus:
                return null;
            default:
                return (NbdError.InvalidArgument, $"Command {(ushort)header.Command} is not known.");
        }
    }

    private async Task ReadStructuredAsync(NbdRequestHeader header)
    {
        ulong cookie = header.Cookie;
        long offset = (long)header.Offset;
        long end = offset + header.Length;
        if (header.Length == 0)
        {
            await _replies.SendAsync(cookie, static (writer, c) => NbdReplyWriter.WriteDone(writer, c)).ConfigureAwait(false);
            return;
        }
        bool dontFragment = (header.Flags & NbdCommandFlags.DontFragment) != 0;
        if (dontFragment && header.Length > PieceBytes)
        {
            await SendErrorAsync(header, NbdError.Overflow, $"An unfragmented read is limited to {PieceBytes} bytes.").ConfigureAwait(false);
            return;
        }
        bool sharedPiece = await _pieces.TakeAsync(_aborted).ConfigureAwait(false);
        byte[] buffer = ArrayPool<byte>.Shared.Rent((int)Math.Min(header.Length, (uint)PieceBytes));
        var extents = new List<BlockExtent>();
        try
        {
            for (long position = offset; position < end;)
            {
                long pieceEnd = Math.Min(end, position + PieceBytes);
                extents.Clear();
                if (dontFragment)
                {
                    // One data chunk, zeros included.
                    await _volume.View.ReadAsync(position, buffer.AsMemory(0, (int)(pieceEnd - position)), _stopping).ConfigureAwait(false);
                    extents.Add(new BlockExtent(position, pieceEnd - position, BlockExtentKind.Data));
                }
                else
                {
                    extents.AddRange(_volume.View.GetExtents(position, pieceEnd - position));
                    foreach (BlockExtent extent in extents)
                    {
                        if (extent.Kind == BlockExtentKind.Data)
                        {
                            Memory<byte> slice = buffer.AsMemory((int)(extent.Offset - position), (int)extent.Length);
                            await _volume.View.ReadAsync(extent.Offset, slice, _stopping).ConfigureAwait(false);
                        }
                    }
                }
                var piece = new ReadPiece(cookie, position, buffer, extents, Last: pieceEnd == end);
                await _replies.SendAsync(piece, static (writer, p) => p.Write(writer)).ConfigureAwait(false);
                position = pieceEnd;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
            _pieces.Return(sharedPiece);
        }
    }

    private async Task ReadSimpleAsync(NbdRequestHeader header)
    {
        long offset = (long)header.Offset;
        long end = offset + header.Length;
        bool sharedPiece = await _pieces.TakeAsync(_aborted).ConfigureAwait(false);
        byte[] buffer = ArrayPool<byte>.Shared.Rent((int)Math.Min(header.Length, (uint)PieceBytes));
        try
        {
            await _replies.EnterAsync().ConfigureAwait(false);
        }
        catch
        {
            ArrayPool<byte>.Shared.Return(buffer);
            _pieces.Return(sharedPiece);
            throw;
        }
        try
        {
            // A simple reply cannot report an error once its header is out: the first piece is read before it, and a
            // later failure can only end the connection (which the exception does).
            bool headerSent = false;
            for (long position = offset; position < end || !headerSent;)
            {
                int count = (int)Math.Min(end - position, PieceBytes);
                try
                {
                    await _volume.View.ReadAsync(position, buffer.AsMemory(0, count), _stopping).ConfigureAwait(false);
                }
                catch (Exception exception) when (!headerSent && exception is IOException or OperationCanceledException)
                {
                    NbdError error = exception is OperationCanceledException ? NbdError.Shutdown : NbdError.InputOutput;
                    NbdReplyWriter.WriteSimpleReply(_replies.Writer, header.Cookie, error);
                    await _replies.FlushAsync().ConfigureAwait(false);
                    return;
                }
                if (!headerSent)
                {
                    NbdReplyWriter.WriteSimpleReply(_replies.Writer, header.Cookie, NbdError.None);
                    headerSent = true;
                }
                _replies.Writer.Write(buffer.AsSpan(0, count));
                await _replies.FlushAsync().ConfigureAwait(false);
                position += count;
            }
        }
        catch (Exception exception) when (exception is IOException or OperationCanceledException)
        {
            _replies.Abort();
            throw new IOException("A simple read reply failed after its header was sent; the connection must close.", exception);
        }
        finally
        {
            _replies.Exit();
            ArrayPool<byte>.Shared.Return(buffer);
            _pieces.Return(sharedPiece);
        }
    }

    private async Task BlockStatusAsync(NbdRequestHeader header)
    {
        int limit = (header.Flags & NbdCommandFlags.RequestOne) != 0 ? 1 : MaxDescriptors;
        var descriptors = new List<NbdExtentDescriptor>();
        foreach (BlockExtent extent in _volume.View.GetExtents((long)header.Offset, header.Length))
        {
            NbdAllocationState state = extent.Kind switch
            {
                BlockExtentKind.Data => NbdAllocationState.Data,
                BlockExtentKind.Zero => NbdAllocationState.Zero,
                _ => NbdAllocationState.Hole | NbdAllocationState.Zero,
            };
            // Every extent lies inside the request, whose length fits 32 bits, so sums do too.
            if (descriptors.Count > 0 && descriptors[^1].State == state)
            {
                descriptors[^1] = descriptors[^1] with { Length = descriptors[^1].Length + (uint)extent.Length };
                continue;
            }
            if (descriptors.Count == limit)
            {
                break;
            }
            descriptors.Add(new NbdExtentDescriptor((uint)extent.Length, state));
        }
        await _replies.SendAsync((header.Cookie, descriptors), static (writer, s) =>
            NbdReplyWriter.WriteBlockStatus(writer, s.Cookie, Negotiation.BaseAllocationContextId, s.descriptors.ToArray())).ConfigureAwait(false);
    }

    private ValueTask SendAsync(NbdRequestHeader header, NbdError error) =>
        _replies.SendAsync((header.Cookie, error), static (writer, s) => NbdReplyWriter.WriteSimpleReply(writer, s.Cookie, s.error));

    private async Task SendErrorAsync(NbdRequestHeader header, NbdError error, string message)
    {
        NbdLog.RequestFailed(_logger, _connection, header.Command.ToString(), header.Offset, header.Length, error.ToString(), message);
        if (_session.StructuredReplies)
        {
            await _replies.SendAsync((header.Cookie, error, message), static (writer, s) =>
                NbdReplyWriter.WriteErrorChunk(writer, s.Cookie, s.error, s.message)).ConfigureAwait(false);
        }
        else
        {
            await SendAsync(header, error).ConfigureAwait(false);
        }
    }

    /// <summary>The chunks of one piece of a structured read: data from the buffer, holes as hole chunks.</summary>
    private sealed record ReadPiece(ulong Cookie, long Start, byte[] Buffer, List<BlockExtent> Extents, bool Last)
    {
        public void Write(System.Buffers.IBufferWriter<byte> writer)
        {
            for (int i = 0; i < Extents.Count; i++)
            {
                BlockExtent extent = Extents[i];
                bool done = Last && i == Extents.Count - 1;
                if (extent.Kind == BlockExtentKind.Data)
                {
                    NbdReplyWriter.WriteOffsetData(writer, Cookie, done, (ulong)extent.Offset, Buffer.AsSpan((int)(extent.Offset - Start), (int)extent.Length));
                }
                else
                {
                    NbdReplyWriter.WriteOffsetHole(writer, Cookie, done, (ulong)extent.Offset, (uint)extent.Length);
                }
            }
        }
    }
}
