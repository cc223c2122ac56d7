using System.CommandLine;
using SparseVirt.Cli.Infrastructure;
using SparseVirt.Layouts.Gpt;

namespace SparseVirt.Cli.Layouts;

/// <summary>
/// <c>--boot-code FILE</c>, shared by the verbs that compose a GPT disk (<c>compose</c>, <c>serve --gpt</c>,
/// <c>run --gpt</c>): x86 boot code for the protective MBR, so a BIOS can boot the composed disk.
/// </summary>
internal static class BootCodeOption
{
    /// <summary>The most boot code an MBR holds: the disk signature and the partition table follow it.</summary>
    public const int MaxBytes = 440;

    public static Option<string?> Create(string appliesTo) => new("--boot-code")
    {
        HelpName = "FILE",
        Description = $"x86 boot code (a file of at most {MaxBytes} bytes) for the protective MBR of the {appliesTo}, so a BIOS can boot it; default: zeros, as sgdisk writes.",
    };

    /// <summary>
    /// Reads the boot code at <paramref name="path"/> into <paramref name="definition"/>; a null path leaves it as it
    /// is. The size is checked before anything is read, so a wrong file (a whole disk image) is refused at once.
    /// </summary>
    /// <exception cref="UsageException">The file is missing, unreadable, or longer than 440 bytes.</exception>
    public static GptCompositeDefinition Apply(GptCompositeDefinition definition, string? path)
    {
        if (path is null)
        {
            return definition;
        }
        if (!File.Exists(path))
        {
            throw new UsageException($"--boot-code {path}: no such file.");
        }
        try
        {
            using FileStream file = File.OpenRead(path);
            if (file.Length > MaxBytes)
            {
                throw new UsageException(
                    $"--boot-code {path}: the file is {file.Length} bytes; MBR boot code is at most {MaxBytes} (the rest of the first sector holds the disk signature and the partition table; from a whole MBR sector give only its first {MaxBytes} bytes).");
            }
            byte[] code = new byte[file.Length];
            file.ReadExactly(code);
            return definition.WithBootCode(code);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UsageException($"--boot-code {path}: {e.Message}");
        }
    }
}
