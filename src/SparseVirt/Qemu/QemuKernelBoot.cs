namespace SparseVirt.Qemu;

/// <summary>Direct kernel boot: QEMU loads the kernel (and initrd) itself, bypassing the guest's boot loader.</summary>
/// <param name="KernelPath">The kernel image (<c>-kernel</c>).</param>
/// <param name="InitrdPath">The initial RAM disk (<c>-initrd</c>), or <see langword="null"/>.</param>
/// <param name="CommandLine">The kernel command line (<c>-append</c>), or <see langword="null"/>.</param>
public sealed record QemuKernelBoot(string KernelPath, string? InitrdPath = null, string? CommandLine = null);
