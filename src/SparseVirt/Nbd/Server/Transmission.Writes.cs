using System.Buffers;
using SparseVirt.Nbd.Protocol;

namespace SparseVirt.Nbd.Server;

/// <summary>Writes larger than a piece: received and written one piece at a time.</summary>
internal sealed partial class Transmission
{
    /// <summary>
    /// Reads the payload of a write larger than <see cref="PieceBytes"/> and writes it to the overlay a piece at a time,
    /// here in the reading loop (the payload must be read before the next request anyway), then replies. No buffer the
    /// size of the request exists, so a client trickling a 32 MiB write holds one piece. After a refusal or a failure
    /// the rest of the payload is still read and dropped, so the next request is found.
    /// </summary>
    private async Task WriteInPiecesAsync(NbdRequestHeader header, CancellationToken cancellationToken)
    {
        (NbdError Error, string Message)? outcome = Check(header);
        bool fua = (header.Flags & NbdCommandFlags.ForceUnitAccess) != 0;
        bool sharedPiece = await _pieces.TakeAsync(cancellationToken).ConfigureAwait(false);
        byte[] piece = ArrayPool<byte>.Shared.Rent(PieceBytes);
        try
        {
            for (uint done = 0; done < header.Length;)
            {
                int count = (int)Math.Min(header.Length - done, (uint)PieceBytes);
                Memory<byte> data = piece.AsMemory(0, count);
                await ReadPayloadAsync(data, cancellationToken).ConfigureAwait(false);
                outcome ??= await WritePieceAsync((long)header.Offset + done, data, fua).ConfigureAwait(false);
                done += (uint)count;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(piece);
            _pieces.Return(sharedPiece);
        }
        if (outcome is { } failure)
        {
            await SendErrorAsync(header, failure.Error, failure.Message).ConfigureAwait(false);
        }
        else
        {
            await SendAsync(header, NbdError.None).ConfigureAwait(false);
        }
    }

    /// <summary>Writes one piece; null when it was written, else the error to reply once the payload is read.</summary>
    private async Task<(NbdError Error, string Message)?> WritePieceAsync(long offset, ReadOnlyMemory<byte> data, bool fua)
    {
        try
        {
            await _volume.Overlay!.WriteAsync(offset, data, fua, _stopping).ConfigureAwait(false);
            return null;
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested && !_aborted.IsCancellationRequested)
        {
            return (NbdError.Shutdown, "The server is shutting down.");
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException && !_aborted.IsCancellationRequested)
        {
            NbdLog.ReadFailed(_logger, _connection, offset, exception);
            return (NbdError.InputOutput, exception.Message);
        }
    }
}
