using System.Buffers;

namespace SparseVirt.Nbd.Protocol;

/// <summary>The header of one option the client sends during negotiation: IHAVEOPT, the option, its data's length.</summary>
internal readonly record struct NbdOptionHeader(uint Option, uint Length)
{
    /// <summary>The header's size on the wire.</summary>
    public const int Size = 16;

    /// <summary>
    /// Reads a header from <paramref name="reader"/> when all 16 bytes are there (advancing past them), or returns false
    /// and leaves the reader where it was.
    /// </summary>
    /// <exception cref="NbdProtocolException">The header does not start with IHAVEOPT.</exception>
    public static bool TryParse(ref SequenceReader<byte> reader, out NbdOptionHeader header)
    {
        header = default;
        if (reader.Remaining < Size)
        {
            return false;
        }
        reader.TryReadBigEndian(out long magic);
        reader.TryReadBigEndian(out int option);
        reader.TryReadBigEndian(out int length);
        if ((ulong)magic != NbdMagic.OptionRequest)
        {
            throw new NbdProtocolException($"An option header starts with 0x{(ulong)magic:x16}, not IHAVEOPT (0x{NbdMagic.OptionRequest:x16}).");
        }
        header = new NbdOptionHeader((uint)option, (uint)length);
        return true;
    }
}
