using System.Globalization;

namespace SparseVirt.Qemu.Disks;

/// <summary>
/// An existing overlay could not be reused over the base given (another base, changed content, an unreadable record
/// or header), and was left exactly as it is: an overlay holds a user's writes and is never emptied unless asked
/// (<see cref="QemuOverlayFiles.ResetAsync"/>). The message says why, what the overlay holds, and how to go on.
/// </summary>
public sealed class QemuOverlayRefusedException : IOException
{
    /// <summary>Creates the exception.</summary>
    public QemuOverlayRefusedException(string overlayPath, string reason, long fileSize, long allocatedBytes, DateTime lastWrittenUtc)
        : base(Describe(overlayPath, reason, allocatedBytes, fileSize, lastWrittenUtc))
    {
        OverlayPath = overlayPath;
        Reason = reason;
        FileSize = fileSize;
        AllocatedBytes = allocatedBytes;
        LastWrittenUtc = lastWrittenUtc;
    }

    /// <summary>Creates the exception.</summary>
    public QemuOverlayRefusedException()
        : this("The overlay was not reused.")
    {
    }

    /// <summary>Creates the exception.</summary>
    public QemuOverlayRefusedException(string message)
        : base(message)
    {
        OverlayPath = "";
        Reason = message;
    }

    /// <summary>Creates the exception.</summary>
    public QemuOverlayRefusedException(string message, Exception innerException)
        : base(message, innerException)
    {
        OverlayPath = "";
        Reason = message;
    }

    /// <summary>The overlay file, untouched.</summary>
    public string OverlayPath { get; }

    /// <summary>Why it was not reused.</summary>
    public string Reason { get; }

    /// <summary>The overlay file's length in bytes.</summary>
    public long FileSize { get; }

    /// <summary>The storage it takes: roughly what the guest wrote into it, plus qcow2's metadata.</summary>
    public long AllocatedBytes { get; }

    /// <summary>When it was last written.</summary>
    public DateTime LastWrittenUtc { get; }

    private static string Describe(string path, string reason, long allocated, long size, DateTime lastWrittenUtc) =>
        $"The overlay '{path}' was not reused and is left untouched: {reason}. It holds {Bytes(allocated)} allocated " +
            $"({Bytes(size)} file), last written {lastWrittenUtc.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture)} UTC. To keep its writes, attach the base " +
            "it was made over; to start over with an empty overlay, reset it (QemuOverlayFiles.ResetAsync keeps the old " +
            "file as NAME.bak-TIMESTAMP).";

    private static string Bytes(long bytes) => bytes >= 1 << 20
        ? string.Create(CultureInfo.InvariantCulture, $"{bytes / (double)(1 << 20):0.#} MiB")
        : string.Create(CultureInfo.InvariantCulture, $"{bytes / 1024.0:0.#} KiB");
}
