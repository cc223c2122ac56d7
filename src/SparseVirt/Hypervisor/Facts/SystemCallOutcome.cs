namespace SparseVirt.Hypervisor;

/// <summary>The result of one system call made by a probe (open, ioctl, pread ...).</summary>
public sealed record SystemCallOutcome
{
    /// <summary>True when the call returned without error.</summary>
    public bool Succeeded { get; init; }

    /// <summary>The call's return value when it succeeded and the value means something (an API version, a size).</summary>
    public long? Value { get; init; }

    /// <summary>The error, by meaning; <see cref="SystemCallError.None"/> on success.</summary>
    public SystemCallError Error { get; init; }

    /// <summary>The raw errno on failure (Linux numbering), for errors <see cref="Error"/> lumps together.</summary>
    public int? Errno { get; init; }

    /// <summary>
    /// The error's symbolic name, when known: the errno's (<c>EACCES</c>), or on Windows and macOS the code's
    /// (<c>ERROR_FILE_NOT_FOUND</c>, <c>E_ACCESSDENIED</c>, <c>HV_DENIED</c>).
    /// </summary>
    public string? ErrnoName { get; init; }

    /// <summary>
    /// The raw status a Windows or macOS call returned, when it is not an errno: a Win32 error code, an HRESULT or an
    /// <c>hv_return_t</c> (schema 2). Written in hexadecimal by <see cref="ToString"/>.
    /// </summary>
    public int? NativeCode { get; init; }

    /// <summary>The C library's text for the errno (<c>strerror</c>).</summary>
    public string? Message { get; init; }

    /// <summary>A successful call with an optional meaningful return value.</summary>
    public static SystemCallOutcome Success(long? value = null) => new() { Succeeded = true, Value = value };

    /// <summary>A one-line rendering such as <c>EACCES (Permission denied)</c> or <c>ok (12)</c>.</summary>
    public override string ToString() => Succeeded
        ? Value is { } value ? $"ok ({value})" : "ok"
        : $"{ErrnoName ?? (NativeCode is { } code ? $"0x{code:X8}" : "errno " + Errno)}{(NativeCode is { } shown && ErrnoName is not null ? $" 0x{shown:X8}" : "")}{(Message is null ? "" : $" ({Message})")}";
}
