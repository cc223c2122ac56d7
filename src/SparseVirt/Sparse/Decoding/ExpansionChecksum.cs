using System.Buffers;
using System.IO.Hashing;

namespace SparseVirt.Sparse;

/// <summary>
/// The running CRC32 of one piece's expanded output, as the format defines it (AOSP libsparse
/// <c>sparse_crc32</c> is the standard IEEE 802.3 CRC-32, chained across chunks; DONT_CARE counts as zeros),
/// checked at CRC32 chunks and against the header's image checksum.
/// </summary>
internal sealed class ExpansionChecksum
{
    private readonly Crc32 _crc = new();

    public void Append(ReadOnlySpan<byte> data) => _crc.Append(data);

    public void Append(in ReadOnlySequence<byte> data)
    {
        foreach (ReadOnlyMemory<byte> segment in data)
        {
            _crc.Append(segment.Span);
        }
    }

    /// <summary>Appends <paramref name="length"/> bytes of <paramref name="pattern"/> (whose length is a multiple of 4) repeated.</summary>
    public void AppendRepeated(ReadOnlySpan<byte> pattern, long length, CancellationToken cancellationToken = default)
    {
        while (length > 0)
        {
            // A declared range can be exabytes long: checksumming it must stay cancellable.
            cancellationToken.ThrowIfCancellationRequested();
            int step = (int)Math.Min(length, pattern.Length);
            _crc.Append(pattern[..step]);
            length -= step;
        }
    }

    public uint Current => _crc.GetCurrentHashAsUInt32();

    /// <summary>Throws the checksum-mismatch <see cref="InvalidDataException"/> unless the running CRC equals <paramref name="expected"/>.</summary>
    public void Verify(uint expected, int? chunkIndex, long byteOffset)
    {
        uint actual = Current;
        if (actual != expected)
        {
            throw SparseThrowHelper.ChecksumMismatch(expected, actual, chunkIndex, byteOffset);
        }
    }
}
