namespace SparseVirt.Qemu.CommandLine;

/// <summary>
/// Escaping for values inside QEMU's comma-separated option syntax (<c>-blockdev</c>, <c>-chardev</c>, <c>-name</c> ...):
/// a comma in a value is written twice, otherwise QEMU would read the rest as another option.
/// </summary>
internal static class QemuOptionValue
{
    public static string Escape(string value) => value.Replace(",", ",,", StringComparison.Ordinal);
}
