namespace SparseVirt.Hypervisor;

/// <summary>
/// Judges <see cref="HostFacts"/>: a pure function from facts to verdicts, with no I/O, so recorded fact sets give
/// the same verdict anywhere. The operating system's answer to a trial decides: on Linux a trial guest run on a
/// fresh VM (see <c>VirtualizationJudge.KvmTrial.cs</c>), on Windows a WHPX partition, on macOS hv_vm_create; an
/// accelerator is ready exactly when its trial succeeded. The CPU, module, registry and environment facts only
/// explain why it did not. This file judges KVM; the partial files judge the trial guest, WHPX, the Windows drivers
/// and HVF.
/// </summary>
public static partial class VirtualizationJudge
{
    private const string StandardDevicePath = HostVirtualizationOptions.DefaultKvmDevicePath;

    private const string CiUdevRule =
        "On a CI runner, let every user open the device with a udev rule: echo 'KERNEL==\"kvm\", GROUP=\"kvm\", MODE=\"0666\", OPTIONS+=\"static_node=kvm\"' " +
        "| sudo tee /etc/udev/rules.d/99-kvm4all.rules && sudo udevadm control --reload-rules && sudo udevadm trigger --name-match=kvm";

    private static VirtualizationVerdict JudgeKvm(HostFacts facts)
    {
        KvmFacts kvm = facts.Kvm;

        if (kvm.CreateVm?.Succeeded == true)
        {
            return JudgeTrialGuest(facts, kvm);
        }
        if (facts.OperatingSystem.Kind != OperatingSystemKind.Linux || !kvm.Applicable)
        {
            return UnsupportedOperatingSystem(facts);
        }
        if (kvm.Open?.Succeeded == true)
        {
            return JudgeOpenedDevice(facts, kvm);
        }
        return JudgeUnopenedDevice(facts, kvm);
    }

    private static VirtualizationVerdict UnsupportedOperatingSystem(HostFacts facts)
    {
        OperatingSystemKind kind = facts.OperatingSystem.Kind;
        string cpu = facts.Cpu is { } cpuFacts ? $" (the CPU {(cpuFacts.HasVirtualizationExtensions ? $"has {Extension(cpuFacts)}" : "has neither VT-x nor AMD-V")})" : "";
        string? alternative = kind switch
        {
            OperatingSystemKind.Windows => "Use the Windows Hypervisor Platform instead (turn on the 'Windows Hypervisor Platform' feature; QEMU: -accel whpx), or run inside WSL2 with nestedVirtualization=true in .wslconfig.",
            OperatingSystemKind.MacOS => "Use Hypervisor.framework instead (QEMU: -accel hvf).",
            OperatingSystemKind.FreeBsd => "Use bhyve (the vmm kernel module) instead.",
            _ => null,
        };
        return Verdict(
            VirtualizationStatus.UnsupportedOperatingSystem,
            $"KVM exists only on Linux; this is {kind}{cpu}",
            alternative is null ? ["Run on Linux to use KVM."] : [alternative, "Run on Linux to use KVM."]);
    }

    private static VirtualizationVerdict JudgeOpenedDevice(HostFacts facts, KvmFacts kvm)
    {
        if (kvm.ApiVersion is not { Succeeded: true } apiVersion)
        {
            return NotAKvmDevice(kvm, $"{kvm.DevicePath} opens but is not a KVM device: KVM_GET_API_VERSION failed with {kvm.ApiVersion?.ToString() ?? "no answer"}");
        }
        if (apiVersion.Value != 12)
        {
            return Verdict(
                VirtualizationStatus.ApiVersionMismatch,
                $"KVM_GET_API_VERSION on {kvm.DevicePath} returned {apiVersion.Value}, but the stable KVM API is version 12",
                [
                    "Boot a mainline Linux kernel: every kernel since 2.6.22 reports API version 12, so this KVM is non-standard or the device is an emulation.",
                    "Check what provides the device: ls -l " + kvm.DevicePath + " (KVM is the misc character device 10:232).",
                ]);
        }
        if (kvm.CreateVm is not { } createVm)
        {
            return Verdict(VirtualizationStatus.CreateVmFailed, $"KVM_CREATE_VM was not attempted on {kvm.DevicePath}, so readiness is unproven", ["Run the check again; it attempts KVM_CREATE_VM whenever the device answers with API version 12."]);
        }
        return createVm.Error switch
        {
            SystemCallError.Busy => Verdict(
                VirtualizationStatus.DeviceBusy,
                $"KVM_CREATE_VM failed with {createVm}: another hypervisor holds the CPU's {Extension(facts.Cpu)}",
                [
                    "Shut down the other hypervisor's VMs (VirtualBox, VMware Workstation/Player) and retry.",
                    "Unload its kernel modules if they stay loaded: sudo modprobe -r vboxdrv (VirtualBox) or sudo modprobe -r vmmon (VMware).",
                    "Newer VirtualBox (7.1+) and VMware (17+) can share VT-x with KVM; upgrading them also resolves this.",
                ]),
            SystemCallError.NotPermitted or SystemCallError.AccessDenied => Verdict(
                VirtualizationStatus.PermissionDenied,
                $"{kvm.DevicePath} opens, but KVM_CREATE_VM was refused with {createVm}: a security policy blocks creating VMs",
                facts.Environment.InContainer
                    ? ["The container's seccomp or security profile blocks KVM ioctls: run it with a profile that allows them (docker/podman: --security-opt seccomp=unconfined to confirm, then a narrower profile), or --privileged.", "Check SELinux/AppArmor denials on the host: sudo ausearch -m avc -ts recent, or sudo dmesg | grep -i apparmor."]
                    : ["Check SELinux/AppArmor denials: sudo ausearch -m avc -ts recent, or sudo dmesg | grep -i apparmor; allow this program to use KVM.", "Check for a seccomp filter on this process (grep Seccomp /proc/self/status)."]),
            _ => Verdict(
                VirtualizationStatus.CreateVmFailed,
                $"{kvm.DevicePath} answers with API version 12, but KVM_CREATE_VM failed with {createVm}",
                createVm.Error switch
                {
                    SystemCallError.OutOfMemory => ["Free memory (KVM needs kernel memory for each VM), then retry."],
                    SystemCallError.TooManyOpenFiles => ["Raise the open-file limit (ulimit -n) or close file descriptors, then retry."],
                    _ => ["Look for the kernel's explanation: sudo dmesg | grep -i kvm."],
                }),
        };
    }

    private static VirtualizationVerdict JudgeUnopenedDevice(HostFacts facts, KvmFacts kvm)
    {
        if (kvm.FileType is DeviceFileType.RegularFile or DeviceFileType.Directory or DeviceFileType.BlockDevice or DeviceFileType.Other)
        {
            string what = kvm.FileType switch
            {
                DeviceFileType.RegularFile => "a regular file",
                DeviceFileType.Directory => "a directory",
                DeviceFileType.BlockDevice => "a block device",
                _ => "not a character device",
            };
            return NotAKvmDevice(kvm, $"{kvm.DevicePath} is {what}, not the KVM character device{(kvm.Open is { Succeeded: false } open ? $" (open: {open})" : "")}");
        }

        SystemCallError openError = kvm.Open?.Error ?? SystemCallError.NotFound;
        return openError switch
        {
            SystemCallError.AccessDenied or SystemCallError.NotPermitted => PermissionDenied(facts, kvm),
            SystemCallError.NotFound or SystemCallError.NoDevice or SystemCallError.NoDeviceOrAddress => JudgeAbsentDevice(facts, kvm),
            _ => Verdict(
                VirtualizationStatus.ProbeFailed,
                $"{kvm.DevicePath} could not be opened: {kvm.Open}",
                ["Look for the kernel's explanation: sudo dmesg | grep -i kvm.", "Check the device: ls -l " + kvm.DevicePath + "."]),
        };
    }

    private static VirtualizationVerdict JudgeAbsentDevice(HostFacts facts, KvmFacts kvm)
    {
        string absence = kvm.FileType == DeviceFileType.Missing || kvm.Open is null
            ? $"{kvm.DevicePath} does not exist"
            : $"{kvm.DevicePath} exists but no driver answers behind it ({kvm.Open})";

        // The explanations below are about why the kernel offers no /dev/kvm; a path chosen by the caller gets none.
        if (kvm.DevicePath != StandardDevicePath)
        {
            return Verdict(VirtualizationStatus.DeviceMissing, absence, [$"Check the path, or probe the standard device {StandardDevicePath}."]);
        }

        CpuFacts? cpu = facts.Cpu;
        EnvironmentFacts environment = facts.Environment;
        KernelFacts kernel = facts.Kernel;

        if (cpu is not null && !cpu.HasVirtualizationExtensions)
        {
            if (cpu.HypervisorPresent || environment.InWsl)
            {
                string guest = cpu.HypervisorName ?? "an unnamed hypervisor";
                return Verdict(
                    VirtualizationStatus.NestedVirtualizationUnavailable,
                    $"{absence}: this is a guest of {guest} whose virtual {CpuName(cpu)} CPU exposes neither VT-x nor AMD-V, so nested virtualization is off{PvmWithoutDevice(facts)}",
                    NestedRemediation(cpu, environment));
            }
            return Verdict(
                VirtualizationStatus.NoCpuSupport,
                $"{absence}: the {CpuName(cpu)} CPU ({cpu.BrandString ?? "unknown model"}) has neither Intel VT-x nor AMD-V",
                ["Use a machine whose CPU supports hardware virtualization; KVM cannot run on this one.", "Without KVM, QEMU can still emulate (-accel tcg), many times slower."]);
        }

        if (kernel.Firmware == FirmwareVirtualizationState.Disabled)
        {
            return Verdict(
                VirtualizationStatus.DisabledInFirmware,
                $"{absence}: the CPU has {Extension(cpu)} but firmware disabled it ({kernel.FirmwareEvidence})",
                FirmwareRemediation(cpu));
        }

        string? vendorModule = cpu is null ? null : cpu.Vmx ? "kvm_intel" : "kvm_amd";
        bool modulesVisible = kernel.Modules.Count > 0;
        bool vendorModuleMissing = modulesVisible && (vendorModule is null ? !kernel.HasModule("kvm") : !kernel.HasModule(vendorModule));

        if (environment.InContainer && !vendorModuleMissing)
        {
            return Verdict(
                VirtualizationStatus.ContainerWithoutDevice,
                $"{absence}: this is a container ({environment.ContainerRuntime ?? "runtime unknown"}) started without the KVM device",
                [
                    "Start the container with the device: docker run --device /dev/kvm ... (podman: --device /dev/kvm).",
                    "Let the container's user open it: add --group-add with the host's kvm group id (getent group kvm on the host).",
                    "On Kubernetes, expose /dev/kvm through a KVM device plugin (or a privileged pod with a hostPath mount).",
                ]);
        }

        if (vendorModuleMissing || !modulesVisible)
        {
            string module = vendorModule ?? "kvm";
            string onHost = environment.InContainer ? " on the host (containers share its kernel)" : "";
            var steps = new List<string>
            {
                $"Load the module{onHost}: sudo modprobe {module}",
                $"Load it at every boot: echo {module} | sudo tee /etc/modules-load.d/kvm.conf",
            };
            if (cpu?.HasVirtualizationExtensions == true)
            {
                steps.Add("If modprobe fails with 'Operation not supported', run sudo dmesg | grep -i kvm: 'disabled by bios' means virtualization is off in firmware; enable it there.");
            }
            return Verdict(
                VirtualizationStatus.ModuleNotLoaded,
                $"{absence}: the KVM module {module} is not loaded{onHost}{(cpu is null ? "" : $" although the CPU has {Extension(cpu)}")}",
                steps);
        }

        return Verdict(
            VirtualizationStatus.DeviceMissing,
            $"{absence}, although the KVM modules are loaded ({string.Join(", ", kernel.Modules.Select(m => m.Name))})",
            [
                "Ask udev to create the node: sudo udevadm trigger --name-match=kvm (or reboot).",
                "Or create it by hand: sudo mknod /dev/kvm c 10 232 && sudo chgrp kvm /dev/kvm && sudo chmod 660 /dev/kvm",
            ]);
    }

    private static VirtualizationVerdict PermissionDenied(HostFacts facts, KvmFacts kvm)
    {
        ProcessIdentityFacts identity = facts.Identity;
        string group = kvm.GroupName ?? (kvm.GroupGid is { } gid ? $"gid {gid}" : "kvm");
        string user = identity.UserName ?? (identity.EffectiveUid is { } uid ? $"uid {uid}" : "this user");
        string device = $"{kvm.DevicePath} ({(kvm.Mode is null ? "mode unknown" : $"mode {kvm.Mode}")}, owner {kvm.OwnerName ?? kvm.OwnerUid?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "?"}, group {group})";
        string refused = $"opening {device} was refused with {kvm.Open}";

        if (identity.IsRoot || kvm.Open?.Error == SystemCallError.NotPermitted)
        {
            bool container = facts.Environment.InContainer;
            return Verdict(
                VirtualizationStatus.PermissionDenied,
                $"{refused}{(identity.IsRoot ? " even for root" : "")}: {(container ? "the container's device rules" : "a device cgroup or security policy")} block it",
                container
                    ? ["Start the container with the device allowed: docker run --device /dev/kvm ... (podman: --device /dev/kvm).", "On Kubernetes, expose /dev/kvm through a KVM device plugin."]
                    : ["Check the device cgroup of this service (systemd DeviceAllow=/dev/kvm rw) and SELinux/AppArmor denials (sudo ausearch -m avc -ts recent)."]);
        }

        if (kvm.ProcessInDeviceGroup == false && kvm.UserListedInDeviceGroup == true)
        {
            return Verdict(
                VirtualizationStatus.PermissionDenied,
                $"{refused}: {user} is in group {group} in /etc/group, but this login session started before that",
                [
                    $"Log out and back in (or run newgrp {group}, or reboot) so this session gains group {group}.",
                    CiUdevRule,
                ]);
        }

        if (kvm.ProcessInDeviceGroup == true)
        {
            return Verdict(
                VirtualizationStatus.PermissionDenied,
                $"{refused}: {user} is in group {group}, but the mode gives the group no read-write access",
                [
                    $"Give the group read-write access: sudo chmod 660 {kvm.DevicePath} (udev resets this at boot; make it permanent with a udev rule).",
                    CiUdevRule,
                ]);
        }

        return Verdict(
            VirtualizationStatus.PermissionDenied,
            $"{refused}: {user} is not in group {group}",
            [
                $"Add the user to the group: sudo usermod -aG {group} {identity.UserName ?? "$USER"}, then log out and back in (the group applies only to new logins).",
                CiUdevRule,
            ]);
    }

    private static VirtualizationVerdict NotAKvmDevice(KvmFacts kvm, string reason)
    {
        var steps = new List<string>();
        if (kvm.DevicePath == StandardDevicePath)
        {
            steps.Add("Something other than KVM sits at /dev/kvm: remove it and let the KVM module recreate it (sudo rm /dev/kvm && sudo udevadm trigger --name-match=kvm), or sudo mknod /dev/kvm c 10 232.");
        }
        else
        {
            steps.Add($"Probe the KVM device itself ({StandardDevicePath}, the misc character device 10:232).");
        }
        return Verdict(VirtualizationStatus.NotAKvmDevice, reason, steps);
    }

    private static List<string> NestedRemediation(CpuFacts cpu, EnvironmentFacts environment)
    {
        var steps = new List<string>();
        if (environment.InWsl)
        {
            steps.Add("WSL2: set nestedVirtualization=true under [wsl2] in %UserProfile%\\.wslconfig, then run wsl --shutdown (needs Windows 11 and a CPU with VT-x/AMD-V).");
        }
        switch (cpu.Hypervisor)
        {
            case HypervisorVendor.Kvm:
                steps.Add($"On the KVM host, enable nested virtualization: echo 'options {(cpu.IsAmd ? "kvm_amd" : "kvm_intel")} nested=1' | sudo tee /etc/modprobe.d/kvm-nested.conf, then reload the module (nested is the default for kvm_amd and on kernels since 4.20 for kvm_intel).");
                steps.Add("Give this VM the host's CPU model so it sees VT-x/AMD-V: QEMU -cpu host, or <cpu mode='host-passthrough'/> in libvirt.");
                break;
            case HypervisorVendor.HyperV when !environment.InWsl:
                steps.Add("On the Hyper-V host, with this VM stopped: Set-VMProcessor -VMName <name> -ExposeVirtualizationExtensions $true (on Azure, pick a VM size that supports nested virtualization).");
                break;
            case HypervisorVendor.VMware:
                steps.Add("With the VM powered off, enable 'Virtualize Intel VT-x/EPT or AMD-V/RVI' in its processor settings (vhv.enable = \"TRUE\" in the .vmx file).");
                break;
            case HypervisorVendor.VirtualBox:
                steps.Add("With the VM powered off: VBoxManage modifyvm <name> --nested-hw-virt on");
                break;
            case HypervisorVendor.Xen:
                steps.Add("Set nestedhvm=1 in this guest's xl configuration and restart it.");
                break;
            case HypervisorVendor.Parallels:
                steps.Add("Enable nested virtualization in the VM's CPU settings (Hardware > CPU & Memory > Advanced) with the VM stopped.");
                break;
            case HypervisorVendor.QemuTcg:
                steps.Add("This VM is itself emulated by QEMU TCG; run it with hardware acceleration on its host (-accel kvm -cpu host) with nested virtualization enabled there.");
                break;
        }
        steps.Add("On a cloud or CI machine, choose an instance type or runner that offers nested virtualization or /dev/kvm (or a bare-metal instance).");
        return steps;
    }

    private static List<string> FirmwareRemediation(CpuFacts? cpu) =>
    [
        $"Reboot into the firmware (BIOS/UEFI) setup and enable {(cpu?.Svm == true ? "'SVM Mode' (AMD-V)" : "'Intel Virtualization Technology' (VT-x)")}, save, then power the machine off and on.",
        $"Then load the module: sudo modprobe {(cpu?.Svm == true ? "kvm_amd" : "kvm_intel")}",
    ];

    private static string Extension(CpuFacts? cpu) => cpu switch
    {
        { Vmx: true } => "Intel VT-x",
        { Svm: true } => "AMD-V",
        _ => "hardware virtualization",
    };

    private static string CpuName(CpuFacts cpu) => cpu.IsIntel ? "Intel" : cpu.IsAmd ? "AMD" : cpu.Vendor;

    private static VirtualizationVerdict Verdict(VirtualizationStatus status, string reason, IReadOnlyList<string>? remediation = null) =>
        new() { Status = status, Reason = reason, Remediation = remediation ?? [] };
}
