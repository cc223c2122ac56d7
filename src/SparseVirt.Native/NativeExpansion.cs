using SparseVirt.Sparse;

namespace SparseVirt.Native;

/// <summary><c>sparsevirt_expand</c>: the library's one-call expansion, with a C callback as its progress and its cancellation.</summary>
internal static unsafe class NativeExpansion
{
    private const uint VerifyChecksums = 0x1;
    private const uint Durable = 0x2;
    private const uint KnownFlags = VerifyChecksums | Durable;

    public static void Run(string sparsePath, string rawPath, uint flags, delegate* unmanaged[Cdecl]<ulong, ulong, void*, int> progress, void* userData)
    {
        if ((flags & ~KnownFlags) != 0)
        {
            throw new ArgumentException($"flags has unknown bits 0x{flags & ~KnownFlags:X} (known: SPARSEVIRT_EXPAND_VERIFY_CHECKSUMS 0x1, SPARSEVIRT_EXPAND_DURABLE 0x2)", nameof(flags));
        }
        SparseExpandOptions options = SparseExpandOptions.Default
            .WithVerifyChecksums((flags & VerifyChecksums) != 0)
            .WithDurable((flags & Durable) != 0);
        using var cancellation = new CancellationTokenSource();
        CallbackProgress? sink = progress is null ? null : new CallbackProgress(progress, userData, cancellation);
        SparseImage.ToRaw(sparsePath, rawPath, options, sink, cancellation.Token);
    }

    /// <summary>
    /// Reports straight to the C callback on the reporting thread (not <see cref="Progress{T}"/>, which would post to
    /// the thread pool, so calls could arrive late, out of order or after the expansion returned). A non-zero return
    /// cancels the token the expansion watches; it stops at its next check, before committing anything.
    /// </summary>
    private sealed class CallbackProgress(delegate* unmanaged[Cdecl]<ulong, ulong, void*, int> callback, void* userData, CancellationTokenSource cancellation)
        : IProgress<SparseExpandProgress>
    {
        public void Report(SparseExpandProgress value)
        {
            if (!cancellation.IsCancellationRequested && callback((ulong)value.BytesExpanded, (ulong)value.TotalBytes, userData) != 0)
            {
                cancellation.Cancel();
            }
        }
    }
}
