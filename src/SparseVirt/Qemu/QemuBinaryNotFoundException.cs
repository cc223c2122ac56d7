namespace SparseVirt.Qemu;

/// <summary>The QEMU binary a definition names, or the one its architecture needs, does not exist.</summary>
public sealed class QemuBinaryNotFoundException : FileNotFoundException
{
    /// <summary>Creates the exception.</summary>
    public QemuBinaryNotFoundException(string message, string? fileName)
        : base(message, fileName)
    {
    }

    /// <summary>Creates the exception.</summary>
    public QemuBinaryNotFoundException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception.</summary>
    public QemuBinaryNotFoundException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception.</summary>
    public QemuBinaryNotFoundException()
    {
    }
}
