namespace SparseVirt.Hypervisor.Collection;

/// <summary>Looks for the marks containers and WSL leave, and names the hypervisor when this is a VM.</summary>
internal sealed class EnvironmentInspector(HostPaths paths, Func<string, string?> environmentVariable)
{
    // Substrings of /proc/1/cgroup and /proc/self/mountinfo lines that name a container runtime, most specific first.
    private static readonly (string Hint, string Runtime)[] RuntimeHints =
    [
        ("kubepods", "kubernetes"),
        ("/var/lib/kubelet/pods/", "kubernetes"),
        ("libpod", "podman"),
        ("/containers/storage/", "podman"),
        ("/docker/containers/", "docker"),
        ("/docker/", "docker"),
        ("docker-", "docker"),
        ("/lxc/", "lxc"),
        ("lxc.payload", "lxc"),
        ("containerd", "containerd"),
    ];

    public EnvironmentFacts Inspect(CpuFacts? cpu, string? kernelRelease)
    {
        var evidence = new List<string>();
        string? runtime = null;

        void Found(string where, string what, string? namedRuntime)
        {
            evidence.Add($"{where}: {what}");
            runtime ??= namedRuntime;
        }

        if (File.Exists(paths.Resolve("/.dockerenv")))
        {
            Found("/.dockerenv", "present", "docker");
        }
        if (File.Exists(paths.Resolve("/run/.containerenv")))
        {
            Found("/run/.containerenv", "present", "podman");
        }
        if (environmentVariable("container") is { Length: > 0 } containerVariable)
        {
            Found("environment", $"container={containerVariable}", containerVariable);
        }
        if (environmentVariable("KUBERNETES_SERVICE_HOST") is { Length: > 0 })
        {
            Found("environment", "KUBERNETES_SERVICE_HOST is set", "kubernetes");
        }
        ScanForRuntimeHints("/proc/1/cgroup", Found);
        ScanForRuntimeHints("/proc/self/mountinfo", Found);

        (bool inWsl, int? wslVersion) = Wsl(kernelRelease);
        return new EnvironmentFacts
        {
            InContainer = evidence.Count > 0,
            ContainerRuntime = runtime,
            ContainerEvidence = evidence,
            InWsl = inWsl,
            WslVersion = wslVersion,
            InVirtualMachine = cpu?.HypervisorPresent ?? false,
            HypervisorName = cpu?.HypervisorPresent == true ? cpu.HypervisorName : null,
        };
    }

    internal static (bool InWsl, int? Version) Wsl(string? kernelRelease)
    {
        if (kernelRelease is null || !(kernelRelease.Contains("microsoft", StringComparison.OrdinalIgnoreCase) || kernelRelease.Contains("WSL", StringComparison.Ordinal)))
        {
            return (false, null);
        }
        // WSL2 kernels are "5.15.x-microsoft-standard-WSL2"; WSL1 reports the Windows build with "-Microsoft".
        bool wsl2 = kernelRelease.Contains("WSL2", StringComparison.Ordinal) || kernelRelease.Contains("microsoft-standard", StringComparison.Ordinal);
        return (true, wsl2 ? 2 : 1);
    }

    private void ScanForRuntimeHints(string file, Action<string, string, string?> found)
    {
        foreach (string line in BoundedText.ReadLines(paths.Resolve(file)))
        {
            foreach ((string hint, string runtime) in RuntimeHints)
            {
                if (line.Contains(hint, StringComparison.Ordinal))
                {
                    found(file, line.Length > 160 ? line[..160] + "..." : line, runtime);
                    return;
                }
            }
        }
    }
}
