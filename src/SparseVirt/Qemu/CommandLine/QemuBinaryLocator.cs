namespace SparseVirt.Qemu.CommandLine;

/// <summary>Finds the QEMU system emulator for an architecture on <c>PATH</c>.</summary>
internal static class QemuBinaryLocator
{
    public static string BinaryName(QemuArchitecture architecture) => architecture switch
    {
        QemuArchitecture.X86_64 => "qemu-system-x86_64",
        QemuArchitecture.Aarch64 => "qemu-system-aarch64",
        _ => throw new ArgumentOutOfRangeException(nameof(architecture), architecture, "unknown QEMU architecture"),
    };

    public static string Resolve(QemuMachineDefinition definition) =>
        Resolve(definition.BinaryPath, definition.Architecture, Environment.GetEnvironmentVariable("PATH"));

    public static string Resolve(string? binaryPath, QemuArchitecture architecture, string? searchPath)
    {
        if (binaryPath is not null)
        {
            if (!File.Exists(binaryPath))
            {
                throw new QemuBinaryNotFoundException($"The QEMU binary '{binaryPath}' (BinaryPath) does not exist.", binaryPath);
            }
            return Path.GetFullPath(binaryPath);
        }
        string name = BinaryName(architecture);
        string[] folders = (searchPath ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries);
        foreach (string folder in folders)
        {
            string candidate = Path.Combine(folder, name);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }
        throw new QemuBinaryNotFoundException(
            $"'{name}' (needed for architecture {architecture}) is not on PATH ({folders.Length} folders searched); install QEMU's system emulator or set BinaryPath.",
            name);
    }

    /// <summary>A helper tool (<c>qemu-img</c>...): <paramref name="binaryPath"/> when given, else <paramref name="name"/> on <c>PATH</c>.</summary>
    public static string ResolveTool(string? binaryPath, string name, string debianPackage)
    {
        if (binaryPath is not null)
        {
            return File.Exists(binaryPath)
                ? Path.GetFullPath(binaryPath)
                : throw new QemuBinaryNotFoundException($"'{binaryPath}' (the {name} binary given) does not exist.", binaryPath);
        }
        string[] folders = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries);
        return Array.Find(folders, folder => File.Exists(Path.Combine(folder, name))) is { } found
            ? Path.Combine(found, name)
            : throw new QemuBinaryNotFoundException($"'{name}' is not on PATH ({folders.Length} folders searched); install {debianPackage} or give its path.", name);
    }
}
