namespace SparseVirt.Hypervisor;

/// <summary>One KVM kernel module as /sys/module shows it.</summary>
public sealed record KernelModuleFact
{
    /// <summary>The module name (<c>kvm</c>, <c>kvm_intel</c>, <c>kvm_amd</c> ...).</summary>
    public string Name { get; init => field = value ?? ""; } = "";

    /// <summary>True when built into the kernel (no <c>initstate</c> file), false when loaded as a module.</summary>
    public bool BuiltIn { get; init; }

    /// <summary>The module's <c>initstate</c> (<c>live</c>, <c>coming</c>, <c>going</c>); null when built in.</summary>
    public string? State { get; init; }

    /// <summary>The raw <c>parameters/nested</c> value (<c>Y</c>, <c>N</c>, <c>1</c>, <c>0</c>), where the module has one.</summary>
    public string? Nested { get; init; }

    /// <summary>Whether <see cref="Nested"/> means enabled; null when the module has no such parameter.</summary>
    public bool? NestedEnabled => Nested switch
    {
        null => null,
        "Y" or "y" or "1" => true,
        _ => false,
    };
}
