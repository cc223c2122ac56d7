using System.Buffers;
using System.IO.Pipelines;
using System.Text;
using SparseVirt.Qemu.Framing;

namespace SparseVirt.Qemu.Launch;

/// <summary>
/// Reads QEMU's stdout or stderr to its end, line by line, so QEMU never blocks on a full pipe. A line longer than the
/// limit is handed on in pieces: output that never ends a line (a guest console wired to stdio through extra
/// arguments, say) must not grow one string without bound.
/// </summary>
internal static class OutputLineReader
{
    public const int DefaultMaxLineBytes = 16 * 1024;

    public static async Task DrainAsync(Stream stream, Action<string> onLine, int maxLineBytes = DefaultMaxLineBytes)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxLineBytes, 1);
        PipeReader reader = PipeReader.Create(stream, new StreamPipeReaderOptions(leaveOpen: true));
        try
        {
            await LineReadLoop.RunAsync(reader, maxLineBytes, new Consumer(onLine)).ConfigureAwait(false);
        }
        catch (IOException)
        {
            // The pipe broke because the process is gone; nothing more to read.
        }
        catch (ObjectDisposedException)
        {
        }
        await reader.CompleteAsync().ConfigureAwait(false);
    }

    private sealed class Consumer(Action<string> onLine) : ILineConsumer
    {
        public void OnLine(ReadOnlySequence<byte> line, bool isPiece) =>
            onLine(Encoding.UTF8.GetString(isPiece ? line : BoundedLineFramer.TrimCarriageReturn(line)));

        public void OnPartial(ReadOnlySequence<byte> rest)
        {
        }

        public void OnEnd(ReadOnlySequence<byte> rest, bool canceled)
        {
            if (!rest.IsEmpty)
            {
                OnLine(rest, isPiece: false);
            }
        }
    }
}
