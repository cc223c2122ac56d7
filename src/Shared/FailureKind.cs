namespace SparseVirt;

/// <summary>
/// What kind of failure ended an operation, as the hosts over the library report it: the C interface's status codes
/// (<c>src/SparseVirt.Native/include/sparsevirt.h</c>, <c>SPARSEVIRT_E_*</c>) and the CLI's JSON errors
/// (<c>"kind"</c>). One file compiled into both hosts, so a C caller and a script reading <c>--json</c> see the same
/// classification; the numbers are part of the C ABI and never change meaning.
/// </summary>
internal enum FailureKind
{
    /// <summary>No failure.</summary>
    None = 0,

    /// <summary>An argument is missing or malformed (a null path, an unknown flag, a bad option value).</summary>
    InvalidArgument = 1,

    /// <summary>A file or folder does not exist.</summary>
    NotFound = 2,

    /// <summary>Permission denied.</summary>
    AccessDenied = 3,

    /// <summary>The input breaks its format (a bad sparse header, a chunk past the end, a checksum mismatch, truncation).</summary>
    InvalidData = 4,

    /// <summary>Any other I/O failure (disk full, a read error, a device that refuses).</summary>
    Io = 5,

    /// <summary>The caller canceled the operation (a progress callback asked to stop, Ctrl+C).</summary>
    Canceled = 6,

    /// <summary>The operation is not supported here (this operating system, this kind of file).</summary>
    Unsupported = 7,

    /// <summary>A failure of the library itself (a bug): the message says what.</summary>
    Internal = 8,
}

/// <summary>Maps exceptions to <see cref="FailureKind"/>s and names them.</summary>
internal static class FailureKinds
{
    /// <summary>The kind of failure <paramref name="exception"/> stands for.</summary>
    public static FailureKind Of(Exception exception) => exception switch
    {
        OperationCanceledException => FailureKind.Canceled,
        FileNotFoundException or DirectoryNotFoundException => FailureKind.NotFound,
        UnauthorizedAccessException => FailureKind.AccessDenied,
        // SparseTruncatedException is an EndOfStreamException: an input that ends early is bad input, not an I/O error.
        InvalidDataException or EndOfStreamException => FailureKind.InvalidData,
        ArgumentException => FailureKind.InvalidArgument,
        NotSupportedException => FailureKind.Unsupported,
        IOException => FailureKind.Io,
        _ => FailureKind.Internal,
    };

    /// <summary>The kind's name in JSON: camelCase (<c>notFound</c>, <c>invalidData</c> ...).</summary>
    public static string JsonName(FailureKind kind) => kind switch
    {
        FailureKind.None => "none",
        FailureKind.InvalidArgument => "invalidArgument",
        FailureKind.NotFound => "notFound",
        FailureKind.AccessDenied => "accessDenied",
        FailureKind.InvalidData => "invalidData",
        FailureKind.Io => "io",
        FailureKind.Canceled => "canceled",
        FailureKind.Unsupported => "unsupported",
        _ => "internal",
    };
}
