namespace SparseVirt.Interop;

/// <summary>The advapi32.dll registry functions the Windows probes call, one <c>LibraryImport</c> per file.</summary>
internal static partial class Advapi32
{
    /// <summary>The predefined <c>HKEY_LOCAL_MACHINE</c> handle.</summary>
    internal static readonly nint LocalMachine = unchecked((nint)(int)0x80000002);

    /// <summary><c>KEY_QUERY_VALUE</c>.</summary>
    internal const int KeyQueryValue = 0x0001;

    /// <summary><c>KEY_WOW64_64KEY</c>: the 64-bit view, also from a 32-bit process.</summary>
    internal const int KeyWow64View64 = 0x0100;

    internal const int RegistryDword = 4;
    internal const int RegistryString = 1;
    internal const int RegistryExpandString = 2;
    internal const int RegistryMultiString = 7;
}
