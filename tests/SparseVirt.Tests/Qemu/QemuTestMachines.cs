using SparseVirt.Qemu;
using SparseVirt.Tests.Infrastructure;

namespace SparseVirt.Tests.Qemu;

/// <summary>Small, fast VM definitions for tests that run the real qemu-system-x86_64 (TCG, 32 MiB).</summary>
internal static class QemuTestMachines
{
    public static readonly TimeSpan EventTimeout = TimeSpan.FromSeconds(30);

    public static string RequireQemu() => ExternalTool.Require("qemu-system-x86_64", "qemu-system-x86");

    /// <summary>A machine with no devices at all: starts in a fraction of a second and runs no guest code.</summary>
    public static QemuMachineDefinition Bare(QemuMachineDefinition? template = null) =>
        (template ?? new QemuMachineDefinition(QemuArchitecture.X86_64))
            .WithBinaryPath(RequireQemu())
            .WithMachineType("none")
            .WithAccelerators(QemuAccelerator.Tcg)
            .WithMemory(QemuMemorySize.FromMebibytes(32))
            .WithName("sparsevirt-test");

    /// <summary>A PC (q35 or pc) that boots <paramref name="diskPath"/> with its serial console captured.</summary>
    public static QemuMachineDefinition Booting(string diskPath, string machineType = "q35", QemuDiskInterface diskInterface = QemuDiskInterface.VirtioBlock) =>
        Bare()
            .WithMachineType(machineType)
            .WithDisk(new QemuDisk(diskPath, QemuDiskFormat.Raw).WithInterface(diskInterface).WithBootIndex(0))
            .WithSerial(QemuSerialConsole.Captured);

    public static QemuLaunchOptions Options { get; } = QemuLaunchOptions.Default
        .WithStartupTimeout(TimeSpan.FromSeconds(30))
        .WithQuitTimeout(TimeSpan.FromSeconds(10));

    /// <summary>Whether this host can run KVM guests (so a kvm-then-tcg machine should report KVM).</summary>
    public static bool KvmUsable()
    {
        try
        {
            using var kvm = new FileStream("/dev/kvm", FileMode.Open, FileAccess.ReadWrite);
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>Whether process <paramref name="processId"/> is gone: no longer running and not a zombie either.</summary>
    public static bool ProcessIsGone(int processId)
    {
        if (Directory.Exists("/proc/self"))
        {
            // A zombie still has its /proc entry; a reaped process has none.
            return !Directory.Exists($"/proc/{processId}");
        }
        try
        {
            using var process = System.Diagnostics.Process.GetProcessById(processId);
            return process.HasExited;
        }
        catch (ArgumentException)
        {
            return true;
        }
    }
}
