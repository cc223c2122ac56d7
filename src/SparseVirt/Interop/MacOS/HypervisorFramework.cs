namespace SparseVirt.Interop;

/// <summary>
/// Apple's Hypervisor.framework. Its functions return an <c>hv_return_t</c>; callers load the framework first so
/// its absence is a fact, not a <see cref="DllNotFoundException"/>.
/// </summary>
internal static partial class HypervisorFramework
{
    internal const int Success = 0;
    internal const int Error = unchecked((int)0xfae94001);
    internal const int Busy = unchecked((int)0xfae94002);
    internal const int BadArgument = unchecked((int)0xfae94003);
    internal const int IllegalGuestState = unchecked((int)0xfae94004);
    internal const int NoResources = unchecked((int)0xfae94005);
    internal const int NoDevice = unchecked((int)0xfae94006);
    internal const int Denied = unchecked((int)0xfae94007);
    internal const int Exists = unchecked((int)0xfae94008);
    internal const int Unsupported = unchecked((int)0xfae9400f);
}
