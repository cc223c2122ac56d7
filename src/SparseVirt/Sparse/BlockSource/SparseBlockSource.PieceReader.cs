using Microsoft.Win32.SafeHandles;
using SparseVirt.BlockSources;

namespace SparseVirt.Sparse;

public sealed partial class SparseBlockSource
{
    /// <summary>
    /// Reads RAW payload bytes from one piece: positional reads on the file's handle (no shared position, so any
    /// number of threads at once), or, for an image opened over some other seekable stream, seek-and-read under a lock.
    /// </summary>
    private sealed class PieceReader : IDisposable
    {
        private readonly SparseImage _image;
        private readonly SafeFileHandle? _handle;
        private readonly SemaphoreSlim? _streamLock;

        public PieceReader(SparseImage image)
        {
            _image = image;
            if (image.BaseStream is FileStream file)
            {
                _handle = file.SafeFileHandle;
            }
            else
            {
                _streamLock = new SemaphoreSlim(1, 1);
            }
        }

        /// <summary>The piece's file, when it was opened from one (positional reads need no lock).</summary>
        public SafeFileHandle? Handle => _handle;

        public void Read(long position, Span<byte> destination)
        {
            if (_handle is not null)
            {
                while (!destination.IsEmpty)
                {
                    int read = RandomAccess.Read(_handle, destination, position);
                    CheckProgress(read, position);
                    destination = destination[read..];
                    position += read;
                }
                return;
            }

            _streamLock!.Wait();
            try
            {
                Stream stream = _image.BaseStream;
                stream.Position = position;
                while (!destination.IsEmpty)
                {
                    int read = stream.Read(destination);
                    CheckProgress(read, position);
                    destination = destination[read..];
                    position += read;
                }
            }
            finally
            {
                _streamLock.Release();
            }
        }

        public async ValueTask ReadAsync(long position, Memory<byte> destination, CancellationToken cancellationToken)
        {
            if (_handle is not null)
            {
                int filled = await PositionalRead.FillCoreAsync(_handle, destination, position, async: true, cancellationToken).ConfigureAwait(false);
                CheckProgress(filled == destination.Length ? filled : 0, position + filled);
                return;
            }

            await _streamLock!.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                Stream stream = _image.BaseStream;
                stream.Position = position;
                while (!destination.IsEmpty)
                {
                    int read = await stream.ReadAsync(destination, cancellationToken).ConfigureAwait(false);
                    CheckProgress(read, position);
                    destination = destination[read..];
                    position += read;
                }
            }
            finally
            {
                _streamLock.Release();
            }
        }

        public void Dispose() => _streamLock?.Dispose();

        private static void CheckProgress(int read, long position)
        {
            if (read == 0)
            {
                throw new SparseTruncatedException("the image's file shrank after it was opened", null, position);
            }
        }
    }
}
