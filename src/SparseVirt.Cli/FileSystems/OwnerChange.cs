using System.Runtime.InteropServices;

namespace SparseVirt.Cli.FileSystems;

/// <summary>
/// <c>lchown(2)</c>, which .NET has no API for: <c>extract</c> restores owners when it runs as root, as tar does.
/// The CLI's one native call; the library's interop is internal to it.
/// </summary>
internal static partial class OwnerChange
{
    /// <summary>Sets the owner of <paramref name="path"/> (a link itself, not its target).</summary>
    /// <exception cref="IOException">The call failed.</exception>
    public static void Set(string path, uint userId, uint groupId)
    {
        if (LChown(path, userId, groupId) != 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            throw new IOException($"{path}: lchown to {userId}:{groupId} failed: {Marshal.GetPInvokeErrorMessage(errno)} (errno {errno}).");
        }
    }

    // int lchown(const char *pathname, uid_t owner, gid_t group);
    [LibraryImport("libc", EntryPoint = "lchown", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int LChown(string path, uint owner, uint group);
}
