using System.Runtime.InteropServices.Marshalling;

namespace SparseVirt.Native;

/// <summary>
/// The frame around every export: the calling thread's last error is cleared, the body runs, and any exception
/// becomes a status and a message instead of leaving through the C boundary (where it would end the host process).
/// Strings cross as UTF-8; the ones handed out are allocated here and released by <c>sparsevirt_free</c>.
/// </summary>
internal static unsafe class NativeCall
{
    [ThreadStatic]
    private static FailureKind t_lastCode;

    [ThreadStatic]
    private static string? t_lastMessage;

    public static FailureKind LastCode => t_lastCode;

    public static string? LastMessage => t_lastMessage;

    /// <summary>Runs <paramref name="body"/> and returns its status; the string it produces goes to <paramref name="output"/>.</summary>
    public static int Run(byte** output, Func<string> body)
    {
        if (output is null)
        {
            return Fail(FailureKind.InvalidArgument, "the output pointer (char **) is NULL");
        }
        *output = null;
        return Run(() => *output = ToUnmanaged(body()));
    }

    /// <summary>Runs <paramref name="body"/> and returns its status.</summary>
    public static int Run(Action body)
    {
        t_lastCode = FailureKind.None;
        t_lastMessage = null;
        try
        {
            body();
            return (int)FailureKind.None;
        }
        catch (Exception e)
        {
            return Fail(FailureKinds.Of(e), e.Message);
        }
    }

    /// <summary>A required UTF-8 string argument as a .NET string; <see cref="ArgumentException"/> naming it when NULL.</summary>
    public static string Required(byte* value, string name) =>
        Utf8StringMarshaller.ConvertToManaged(value) ?? throw new ArgumentException($"{name} is NULL", name);

    /// <summary>An optional UTF-8 string argument (NULL gives null).</summary>
    public static string? Optional(byte* value) => Utf8StringMarshaller.ConvertToManaged(value);

    /// <summary>A NUL-terminated UTF-8 copy of <paramref name="value"/> the caller owns (released by <c>sparsevirt_free</c>).</summary>
    public static byte* ToUnmanaged(string? value) => Utf8StringMarshaller.ConvertToUnmanaged(value);

    /// <summary>Releases a string from <see cref="ToUnmanaged"/>.</summary>
    public static void Free(void* value) => Utf8StringMarshaller.Free((byte*)value);

    private static int Fail(FailureKind kind, string message)
    {
        t_lastCode = kind;
        t_lastMessage = message;
        return (int)kind;
    }
}
