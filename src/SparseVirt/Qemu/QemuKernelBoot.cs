namespace SparseVirt.Qemu;

/// <summary>Direct kernel boot: QEMU loads the kernel (and initrd) itself, bypassing the guest's boot loader. Immutable.</summary>
public sealed record QemuKernelBoot
{
    /// <summary>Boots <paramref name="kernelPath"/>.</summary>
    /// <param name="kernelPath">The kernel image (<c>-kernel</c>).</param>
    /// <param name="initrdPath">The initial RAM disk (<c>-initrd</c>), or <see langword="null"/>.</param>
    /// <param name="commandLine">The kernel command line (<c>-append</c>), or <see langword="null"/>.</param>
    public QemuKernelBoot(string kernelPath, string? initrdPath = null, string? commandLine = null)
    {
        KernelPath = kernelPath;
        InitrdPath = initrdPath;
        CommandLine = commandLine;
    }

    /// <summary>The kernel image (<c>-kernel</c>).</summary>
    public string KernelPath { get; private init; }

    /// <summary>The initial RAM disk (<c>-initrd</c>), or <see langword="null"/>.</summary>
    public string? InitrdPath { get; private init; }

    /// <summary>The kernel command line (<c>-append</c>), or <see langword="null"/>.</summary>
    public string? CommandLine { get; private init; }

    /// <summary>A copy with initial RAM disk <paramref name="initrdPath"/>.</summary>
    public QemuKernelBoot WithInitrd(string? initrdPath) => this with { InitrdPath = initrdPath };

    /// <summary>A copy with kernel command line <paramref name="commandLine"/>.</summary>
    public QemuKernelBoot WithCommandLine(string? commandLine) => this with { CommandLine = commandLine };
}
