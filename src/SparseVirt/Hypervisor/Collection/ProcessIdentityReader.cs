using SparseVirt.Interop;

namespace SparseVirt.Hypervisor.Collection;

/// <summary>Reads this process's user and group ids (Unix only).</summary>
internal static class ProcessIdentityReader
{
    // NGROUPS_MAX on Linux; a larger answer from getgroups would be a broken libc, not a reason to allocate more.
    private const int MaxGroups = 65536;

    public static ProcessIdentityFacts Read(AccountDatabase accounts)
    {
        uint effectiveUid = Libc.GetEffectiveUid();
        return new ProcessIdentityFacts
        {
            Uid = Libc.GetUid(),
            EffectiveUid = effectiveUid,
            Gid = Libc.GetGid(),
            EffectiveGid = Libc.GetEffectiveGid(),
            SupplementaryGroups = SupplementaryGroups(),
            UserName = accounts.UserName(effectiveUid),
        };
    }

    private static unsafe uint[] SupplementaryGroups()
    {
        // The group list can change between the two calls; retry a few times rather than trust a stale count.
        for (int attempt = 0; attempt < 3; attempt++)
        {
            int count = Libc.GetGroups(0, null);
            if (count is < 0 or > MaxGroups)
            {
                return [];
            }
            uint[] groups = new uint[count];
            fixed (uint* list = groups)
            {
                int filled = Libc.GetGroups(count, list);
                if (filled >= 0)
                {
                    return filled == count ? groups : groups[..filled];
                }
            }
        }
        return [];
    }
}
