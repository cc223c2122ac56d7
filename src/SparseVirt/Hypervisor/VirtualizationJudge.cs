namespace SparseVirt.Hypervisor;

/// <summary>
/// Judges <see cref="HostFacts"/>: a pure function from facts to verdicts, with no I/O, so recorded fact sets give
/// the same verdict anywhere. The operating system's answer to a trial decides: on Linux a trial guest run on a
/// fresh VM (see <c>VirtualizationJudge.KvmTrial.cs</c>), on Windows a WHPX partition, on macOS hv_vm_create; an
/// accelerator is ready exactly when its trial succeeded. The CPU, module, registry and environment facts only
/// explain why it did not. This file judges KVM; the partial files judge an absent KVM device, the trial guest, WHPX, the Windows drivers
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
