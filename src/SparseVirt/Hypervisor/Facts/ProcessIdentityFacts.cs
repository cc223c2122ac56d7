namespace SparseVirt.Hypervisor;

/// <summary>Who this process is, to explain a permission denial.</summary>
public sealed record ProcessIdentityFacts
{
    /// <summary>Real user id.</summary>
    public uint? Uid { get; init; }

    /// <summary>Effective user id (what permission checks use).</summary>
    public uint? EffectiveUid { get; init; }

    /// <summary>Real group id.</summary>
    public uint? Gid { get; init; }

    /// <summary>Effective group id.</summary>
    public uint? EffectiveGid { get; init; }

    /// <summary>Supplementary group ids of this process (getgroups).</summary>
    public IReadOnlyList<uint> SupplementaryGroups { get; init => field = value ?? []; } = [];

    /// <summary>The effective user's name from /etc/passwd, when listed.</summary>
    public string? UserName { get; init; }

    /// <summary>True when the effective user id is 0.</summary>
    public bool IsRoot => EffectiveUid == 0;
}
