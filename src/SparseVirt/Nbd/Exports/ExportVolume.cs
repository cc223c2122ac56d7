using SparseVirt.BlockSources;
using SparseVirt.Nbd.Protocol;
using SparseVirt.Nbd.Server;

namespace SparseVirt.Nbd.Exports;

/// <summary>An export as the server runs it: the view clients read, and the overlay their writes go to, if writable.</summary>
internal sealed class ExportVolume : IDisposable
{
    private ExportVolume(NbdExport export, IBlockSource view, CopyOnWriteOverlay? overlay)
    {
        Export = export;
        View = view;
        Overlay = overlay;
    }

    public NbdExport Export { get; }

    /// <summary>What reads and block status see: the source, or the overlay over it.</summary>
    public IBlockSource View { get; }

    /// <summary>Where writes go, or null for a read-only export.</summary>
    public CopyOnWriteOverlay? Overlay { get; }

    public string Name => Export.Name;

    public long Length => View.Length;

    /// <summary>
    /// The preferred request size advertised: the source's block size where the protocol can carry it (a power of two
    /// from 512 up to the request limit; clients such as QEMU refuse anything else), 4096 otherwise.
    /// </summary>
    public int PreferredBlockSize =>
        View.BlockSize is >= 512 and <= (int)Transmission.MaxPayloadBytes && int.IsPow2(View.BlockSize) ? View.BlockSize : 4096;

    public static ExportVolume Open(NbdExport export)
    {
        if (!export.Writable)
        {
            return new ExportVolume(export, export.Source, null);
        }
        if (export.ResetOverlay && export.OverlayPath is not null)
        {
            FileBackups.MoveAside(export.OverlayPath, export.KeepOverlayBackup);
        }
        CopyOnWriteOverlay overlay = CopyOnWriteOverlay.Create(export.Source, export.OverlayPath);
        return new ExportVolume(export, overlay, overlay);
    }

    /// <summary>The transmission flags for this export, given whether structured replies were negotiated.</summary>
    public NbdTransmissionFlags TransmissionFlags(bool structuredReplies)
    {
        // Every connection shares one view (and one overlay), and a reply is sent only once its write is in that shared
        // state, so what one connection flushes is visible to all: multi-connection is safe either way.
        NbdTransmissionFlags flags = NbdTransmissionFlags.HasFlags | NbdTransmissionFlags.SendCache | NbdTransmissionFlags.CanMultiConnection;
        flags |= Overlay is null
            ? NbdTransmissionFlags.ReadOnly
            : NbdTransmissionFlags.SendFlush | NbdTransmissionFlags.SendFua | NbdTransmissionFlags.SendTrim
              | NbdTransmissionFlags.SendWriteZeroes | NbdTransmissionFlags.SendFastZero;
        if (structuredReplies)
        {
            flags |= NbdTransmissionFlags.SendDontFragment;
        }
        return flags;
    }

    public void Dispose() => Overlay?.Dispose();
}
