using System.Globalization;
using System.Text;
using System.Text.Json;
using SparseVirt.FileSystems;

namespace SparseVirt.Cli.FileSystems;

/// <summary>How <c>ls</c> and <c>stat</c> show entries: <c>ls -l</c>-style lines, and the JSON members both share.</summary>
internal static class EntryFormat
{
    /// <summary>The <c>--json</c> schema of <c>ls</c> and <c>stat</c>; raised when a member changes meaning or goes.</summary>
    public const int SchemaVersion = 1;

    /// <summary><c>drwxr-xr-x</c>, with <c>s</c>/<c>S</c> and <c>t</c>/<c>T</c> for set-ID and sticky bits.</summary>
    public static string ModeString(FileSystemEntryKind kind, UnixFileMode mode)
    {
        var text = new StringBuilder(10);
        text.Append(kind switch
        {
            FileSystemEntryKind.Directory => 'd',
            FileSystemEntryKind.SymbolicLink => 'l',
            FileSystemEntryKind.CharacterDevice => 'c',
            FileSystemEntryKind.BlockDevice => 'b',
            FileSystemEntryKind.Fifo => 'p',
            FileSystemEntryKind.Socket => 's',
            _ => '-',
        });
        Triple(text, mode, UnixFileMode.UserRead, UnixFileMode.UserWrite, UnixFileMode.UserExecute, UnixFileMode.SetUser, 's');
        Triple(text, mode, UnixFileMode.GroupRead, UnixFileMode.GroupWrite, UnixFileMode.GroupExecute, UnixFileMode.SetGroup, 's');
        Triple(text, mode, UnixFileMode.OtherRead, UnixFileMode.OtherWrite, UnixFileMode.OtherExecute, UnixFileMode.StickyBit, 't');
        return text.ToString();
    }

    /// <summary>One <c>ls -l</c>-style line: mode, links, owner, group, size (or device numbers), mtime, name and link target.</summary>
    public static string LongLine(FileSystemEntry entry, string name)
    {
        string size = entry.Kind is FileSystemEntryKind.CharacterDevice or FileSystemEntryKind.BlockDevice
            ? $"{Major(entry.DeviceNumber)}, {Minor(entry.DeviceNumber)}"
            : entry.Length.ToString(CultureInfo.InvariantCulture);
        string target = entry.LinkTarget is null ? string.Empty : " -> " + entry.LinkTarget;
        return string.Create(
            CultureInfo.InvariantCulture,
            $"{ModeString(entry.Kind, entry.Mode)} {entry.LinkCount,3} {entry.UserId,5} {entry.GroupId,5} {size,10} {entry.ModifiedTime.UtcDateTime:yyyy-MM-dd HH:mm:ss} {name}{target}");
    }

    /// <summary>The JSON members of one entry (inside an object the caller opened).</summary>
    public static void WriteMembers(Utf8JsonWriter json, FileSystemEntry entry)
    {
        json.WriteString("path", entry.Path);
        json.WriteString("name", entry.Name);
        json.WriteString("kind", KindName(entry.Kind));
        json.WriteNumber("inode", entry.Inode);
        json.WriteNumber("size", entry.Length);
        json.WriteString("mode", Convert.ToString((int)entry.Mode, 8).PadLeft(4, '0'));
        json.WriteNumber("uid", entry.UserId);
        json.WriteNumber("gid", entry.GroupId);
        json.WriteNumber("links", entry.LinkCount);
        json.WriteString("mtime", entry.ModifiedTime.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffffffZ", CultureInfo.InvariantCulture));
        if (entry.LinkTarget is not null)
        {
            json.WriteString("target", entry.LinkTarget);
        }
        if (entry.Kind is FileSystemEntryKind.CharacterDevice or FileSystemEntryKind.BlockDevice)
        {
            json.WriteNumber("major", Major(entry.DeviceNumber));
            json.WriteNumber("minor", Minor(entry.DeviceNumber));
        }
    }

    /// <summary>The kind's JSON name: <c>file</c>, <c>directory</c>, <c>symlink</c>, <c>char-device</c>, <c>block-device</c>, <c>fifo</c>, <c>socket</c>.</summary>
    public static string KindName(FileSystemEntryKind kind) => kind switch
    {
        FileSystemEntryKind.File => "file",
        FileSystemEntryKind.Directory => "directory",
        FileSystemEntryKind.SymbolicLink => "symlink",
        FileSystemEntryKind.CharacterDevice => "char-device",
        FileSystemEntryKind.BlockDevice => "block-device",
        FileSystemEntryKind.Fifo => "fifo",
        _ => "socket",
    };

    // glibc's gnu_dev_major and gnu_dev_minor.
    public static uint Major(ulong device) => (uint)(((device >> 8) & 0xFFF) | ((device >> 32) & 0xFFFFF000));

    public static uint Minor(ulong device) => (uint)((device & 0xFF) | ((device >> 12) & 0xFFFFFF00));

    private static void Triple(StringBuilder text, UnixFileMode mode, UnixFileMode read, UnixFileMode write, UnixFileMode execute, UnixFileMode special, char specialLetter)
    {
        text.Append((mode & read) != 0 ? 'r' : '-');
        text.Append((mode & write) != 0 ? 'w' : '-');
        bool x = (mode & execute) != 0;
        text.Append((mode & special) != 0 ? (x ? specialLetter : char.ToUpperInvariant(specialLetter)) : (x ? 'x' : '-'));
    }
}
