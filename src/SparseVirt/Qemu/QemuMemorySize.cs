using System.Globalization;

namespace SparseVirt.Qemu;

/// <summary>
/// An amount of guest RAM. QEMU reads a bare <c>-m</c> number as mebibytes, so the size is kept in bytes and always
/// rendered with an explicit unit; it must be a whole number of mebibytes.
/// </summary>
/// <param name="Bytes">The size in bytes.</param>
public readonly record struct QemuMemorySize(long Bytes)
{
    private const long Mebibyte = 1024 * 1024;

    /// <summary>A size of <paramref name="mebibytes"/> MiB.</summary>
    public static QemuMemorySize FromMebibytes(long mebibytes) => new(checked(mebibytes * Mebibyte));

    /// <summary>A size of <paramref name="gibibytes"/> GiB.</summary>
    public static QemuMemorySize FromGibibytes(long gibibytes) => new(checked(gibibytes * 1024 * Mebibyte));

    /// <summary>Whether the size is a positive whole number of mebibytes, the granularity this library passes to QEMU.</summary>
    public bool IsWholeMebibytes => Bytes > 0 && Bytes % Mebibyte == 0;

    /// <summary>The value of QEMU's <c>-m</c> option, e.g. <c>512M</c>.</summary>
    public string ToQemuValue() => (Bytes / Mebibyte).ToString(CultureInfo.InvariantCulture) + "M";

    /// <summary>The size with its unit, e.g. <c>512 MiB</c> (or bytes when not a whole number of MiB).</summary>
    public override string ToString() => Bytes % Mebibyte == 0
        ? (Bytes / Mebibyte).ToString(CultureInfo.InvariantCulture) + " MiB"
        : Bytes.ToString(CultureInfo.InvariantCulture) + " bytes";
}
