using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using SparseVirt.Hypervisor;
using SparseVirt.Sparse;

namespace SparseVirt.Native;

/// <summary>
/// The C exports of <c>libsparsevirt</c>, declared in <c>include/sparsevirt.h</c> (which documents each one). Every
/// export is a thin line onto the library's public API; <see cref="NativeCall"/> frames it.
/// </summary>
public static unsafe class Exports
{
    /// <summary>The interface version; <c>SPARSEVIRT_ABI_VERSION</c> in the header.</summary>
    public const int AbiVersion = 1;

    /// <summary><c>char *sparsevirt_version(void)</c>.</summary>
    [UnmanagedCallersOnly(EntryPoint = "sparsevirt_version", CallConvs = [typeof(CallConvCdecl)])]
    public static byte* Version() => NativeCall.ToUnmanaged(LibraryVersion);

    /// <summary><c>int32_t sparsevirt_abi_version(void)</c>.</summary>
    [UnmanagedCallersOnly(EntryPoint = "sparsevirt_abi_version", CallConvs = [typeof(CallConvCdecl)])]
    public static int GetAbiVersion() => AbiVersion;

    /// <summary><c>int32_t sparsevirt_check_json(const char *kvm_device, char **out_json)</c>.</summary>
    [UnmanagedCallersOnly(EntryPoint = "sparsevirt_check_json", CallConvs = [typeof(CallConvCdecl)])]
    public static int CheckJson(byte* kvmDevice, byte** json)
    {
        string? device = NativeCall.Optional(kvmDevice);
        return NativeCall.Run(json, () =>
        {
            HostVirtualizationOptions options = device is null ? HostVirtualizationOptions.Default : HostVirtualizationOptions.Default.WithKvmDevicePath(device);
            return HostVirtualization.Detect(options).ToJson();
        });
    }

    /// <summary><c>int32_t sparsevirt_info_json(const char *sparse_path, char **out_json)</c>.</summary>
    [UnmanagedCallersOnly(EntryPoint = "sparsevirt_info_json", CallConvs = [typeof(CallConvCdecl)])]
    public static int InfoJson(byte* sparsePath, byte** json)
    {
        byte* path = sparsePath;
        return NativeCall.Run(json, () =>
        {
            using SparseImage image = SparseImage.Open(NativeCall.Required(path, "sparse_path"));
            return SparseImageInfo.FromImage(image).ToJson();
        });
    }

    /// <summary><c>int32_t sparsevirt_verify_json(const char *sparse_path, char **out_json)</c>.</summary>
    [UnmanagedCallersOnly(EntryPoint = "sparsevirt_verify_json", CallConvs = [typeof(CallConvCdecl)])]
    public static int VerifyJson(byte* sparsePath, byte** json)
    {
        byte* path = sparsePath;
        return NativeCall.Run(json, () => SparseVerifier.Verify(NativeCall.Required(path, "sparse_path")).ToJson());
    }

    /// <summary><c>int32_t sparsevirt_expand(const char *sparse_path, const char *raw_path, uint32_t flags, sparsevirt_progress_fn progress, void *user_data)</c>.</summary>
    [UnmanagedCallersOnly(EntryPoint = "sparsevirt_expand", CallConvs = [typeof(CallConvCdecl)])]
    public static int Expand(byte* sparsePath, byte* rawPath, uint flags, delegate* unmanaged[Cdecl]<ulong, ulong, void*, int> progress, void* userData)
    {
        byte* source = sparsePath, destination = rawPath;
        return NativeCall.Run(() => NativeExpansion.Run(
            NativeCall.Required(source, "sparse_path"), NativeCall.Required(destination, "raw_path"), flags, progress, userData));
    }

    /// <summary><c>int32_t sparsevirt_last_error_code(void)</c>.</summary>
    [UnmanagedCallersOnly(EntryPoint = "sparsevirt_last_error_code", CallConvs = [typeof(CallConvCdecl)])]
    public static int LastErrorCode() => (int)NativeCall.LastCode;

    /// <summary><c>char *sparsevirt_last_error_message(void)</c>.</summary>
    [UnmanagedCallersOnly(EntryPoint = "sparsevirt_last_error_message", CallConvs = [typeof(CallConvCdecl)])]
    public static byte* LastErrorMessage() => NativeCall.ToUnmanaged(NativeCall.LastMessage);

    /// <summary><c>void sparsevirt_free(void *p)</c>.</summary>
    [UnmanagedCallersOnly(EntryPoint = "sparsevirt_free", CallConvs = [typeof(CallConvCdecl)])]
    public static void Free(void* value) => NativeCall.Free(value);

    /// <summary>The library's informational version (<c>0.2.0</c>, or <c>0.2.0+COMMIT</c> from a build that records one).</summary>
    internal static string LibraryVersion =>
        typeof(SparseImage).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
        ?? typeof(SparseImage).Assembly.GetName().Version?.ToString()
        ?? "unknown";
}
