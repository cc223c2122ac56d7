namespace SparseVirt.Hypervisor;

// Why the kernel offers no KVM device: the CPU, the firmware, the module, the container or the node itself.
public static partial class VirtualizationJudge
{
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
        if (cpu is not null && !cpu.HasVirtualizationExtensions)
        {
            return CpuWithoutExtensions(facts, cpu, absence);
        }

        if (facts.Kernel.Firmware == FirmwareVirtualizationState.Disabled)
        {
            return Verdict(
                VirtualizationStatus.DisabledInFirmware,
                $"{absence}: the CPU has {Extension(cpu)} but firmware disabled it ({facts.Kernel.FirmwareEvidence})",
                FirmwareRemediation(cpu));
        }

        return JudgeKvmModules(facts, cpu, absence);
    }

    // No VT-x or AMD-V: on bare metal the CPU lacks it; in a guest the hypervisor does not pass it on.
    private static VirtualizationVerdict CpuWithoutExtensions(HostFacts facts, CpuFacts cpu, string absence)
    {
        EnvironmentFacts environment = facts.Environment;
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

    // The CPU has the extension and firmware allows it: the module, the container or the node is what is missing.
    private static VirtualizationVerdict JudgeKvmModules(HostFacts facts, CpuFacts? cpu, string absence)
    {
        EnvironmentFacts environment = facts.Environment;
        KernelFacts kernel = facts.Kernel;
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
}
