using System.Buffers;

namespace SparseVirt.Nbd.Protocol;

/// <summary>The header of one transmission request (the compact form: a 32-bit length).</summary>
internal readonly record struct NbdRequestHeader(NbdCommandFlags Flags, NbdCommand Command, ulong Cookie, ulong Offset, uint Length)
{
    /// <summary>The header's size on the wire.</summary>
    public const int Size = 28;

    /// <summary>The byte after the request's range, or <see cref="ulong.MaxValue"/> when offset + length overflows.</summary>
    public ulong End => Offset > ulong.MaxValue - Length ? ulong.MaxValue : Offset + Length;

    /// <summary>
    /// Reads a header from <paramref name="reader"/> when all 28 bytes are there (advancing past them), or returns false
    /// and leaves the reader where it was.
    /// </summary>
    /// <exception cref="NbdProtocolException">The header does not start with the request magic.</exception>
    public static bool TryParse(ref SequenceReader<byte> reader, out NbdRequestHeader header)
    {
        header = default;
        if (reader.Remaining < Size)
        {
            return false;
        }
        reader.TryReadBigEndian(out int magic);
        reader.TryReadBigEndian(out short flags);
        reader.TryReadBigEndian(out short command);
        reader.TryReadBigEndian(out long cookie);
        reader.TryReadBigEndian(out long offset);
        reader.TryReadBigEndian(out int length);
        if ((uint)magic != NbdMagic.Request)
        {
            string what = (uint)magic == NbdMagic.ExtendedRequest
                ? "an extended-header request, though extended headers were not negotiated"
                : $"0x{(uint)magic:x8}, not the request magic 0x{NbdMagic.Request:x8}";
            throw new NbdProtocolException($"A request header starts with {what}.");
        }
        header = new NbdRequestHeader((NbdCommandFlags)(ushort)flags, (NbdCommand)(ushort)command, (ulong)cookie, (ulong)offset, (uint)length);
        return true;
    }
}
