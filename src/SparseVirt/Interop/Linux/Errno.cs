using System.Runtime.InteropServices;

namespace SparseVirt.Interop;

/// <summary>
/// The Linux errno values the library tells apart (asm-generic/errno-base.h and errno.h; the same on x86-64 and
/// arm64), their names, and the one mapping from a failed call's errno to the exception .NET code expects.
/// </summary>
internal static class Errno
{
    internal const int EPERM = 1;
    internal const int ENOENT = 2;
    internal const int EINTR = 4;
    internal const int EIO = 5;
    internal const int ENXIO = 6;
    internal const int E2BIG = 7;
    internal const int EBADF = 9;
    internal const int EAGAIN = 11;
    internal const int ENOMEM = 12;
    internal const int EACCES = 13;
    internal const int EBUSY = 16;
    internal const int EEXIST = 17;
    internal const int EXDEV = 18;
    internal const int ENODEV = 19;
    internal const int ENOTDIR = 20;
    internal const int EISDIR = 21;
    internal const int EINVAL = 22;
    internal const int ENFILE = 23;
    internal const int EMFILE = 24;
    internal const int ENOTTY = 25;
    internal const int EFBIG = 27;
    internal const int ENOSPC = 28;
    internal const int ESPIPE = 29;
    internal const int EROFS = 30;
    internal const int ENAMETOOLONG = 36;
    internal const int ENOSYS = 38;
    internal const int ELOOP = 40;
    internal const int EOPNOTSUPP = 95;

    /// <summary>The symbolic name of <paramref name="errno"/> (<c>EACCES</c>), or null for one this table lacks.</summary>
    public static string? Name(int errno) => errno switch
    {
        EPERM => "EPERM",
        ENOENT => "ENOENT",
        EINTR => "EINTR",
        EIO => "EIO",
        ENXIO => "ENXIO",
        E2BIG => "E2BIG",
        EBADF => "EBADF",
        EAGAIN => "EAGAIN",
        ENOMEM => "ENOMEM",
        EACCES => "EACCES",
        EBUSY => "EBUSY",
        EEXIST => "EEXIST",
        EXDEV => "EXDEV",
        ENODEV => "ENODEV",
        ENOTDIR => "ENOTDIR",
        EISDIR => "EISDIR",
        EINVAL => "EINVAL",
        ENFILE => "ENFILE",
        EMFILE => "EMFILE",
        ENOTTY => "ENOTTY",
        EFBIG => "EFBIG",
        ENOSPC => "ENOSPC",
        ESPIPE => "ESPIPE",
        EROFS => "EROFS",
        ENAMETOOLONG => "ENAMETOOLONG",
        ENOSYS => "ENOSYS",
        ELOOP => "ELOOP",
        EOPNOTSUPP => "EOPNOTSUPP",
        _ => null,
    };

    /// <summary>The exception for the errno the last P/Invoke left behind; see <see cref="ToException"/>.</summary>
    public static Exception LastErrorToException(string operation, string? path = null) =>
        ToException(Marshal.GetLastPInvokeError(), operation, path);

    /// <summary>
    /// The exception for a call that failed with <paramref name="errno"/>, as .NET's own file APIs choose them:
    /// <see cref="FileNotFoundException"/> for a missing path, <see cref="UnauthorizedAccessException"/> for a
    /// refusal, <see cref="PathTooLongException"/>, otherwise <see cref="IOException"/> carrying the errno as its
    /// <see cref="Exception.HResult"/>. The message names the operation, the path (when there is one), the C
    /// library's text and the errno's name, e.g. <c>Cannot query 'x': Permission denied (EACCES, errno 13).</c>
    /// </summary>
    /// <param name="errno">The error number.</param>
    /// <param name="operation">What was attempted, as the start of a sentence: "Cannot query", "copy_file_range failed at output byte 4096".</param>
    /// <param name="path">The file the call was about, or null when it has none.</param>
    public static Exception ToException(int errno, string operation, string? path = null)
    {
        string name = Name(errno) is { } known ? $"{known}, errno {errno}" : $"errno {errno}";
        string subject = path is null ? operation : $"{operation} '{path}'";
        string message = $"{subject}: {Marshal.GetPInvokeErrorMessage(errno)} ({name}).";
        return errno switch
        {
            ENOENT when path is not null => new FileNotFoundException(message, path),
            ENOTDIR when path is not null => new DirectoryNotFoundException(message),
            EACCES or EPERM => new UnauthorizedAccessException(message),
            ENAMETOOLONG => new PathTooLongException(message),
            _ => new IOException(message, errno),
        };
    }
}
