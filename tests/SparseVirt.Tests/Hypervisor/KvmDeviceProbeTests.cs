using SparseVirt.Hypervisor;
using SparseVirt.Tests.Infrastructure;

namespace SparseVirt.Tests.Hypervisor;

/// <summary>The interop layer against real files: open, statx, faccessat and ioctl on things that are not KVM.</summary>
[Platform("Linux")]
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public class KvmDeviceProbeTests
{
    private static HostVirtualizationReport Probe(string devicePath) =>
        HostVirtualization.Detect(HostVirtualizationOptions.Default.WithKvmDevicePath(devicePath));

    [Test]
    public void AMissingDeviceIsReportedMissing()
    {
        using var folder = new TempDirectory();
        string path = folder.Combine("kvm");

        HostVirtualizationReport report = Probe(path);

        Assert.Multiple(() =>
        {
            Assert.That(report.Facts.Kvm.FileType, Is.EqualTo(DeviceFileType.Missing));
            Assert.That(report.Facts.Kvm.Stat?.Error, Is.EqualTo(SystemCallError.NotFound));
            Assert.That(report.Facts.Kvm.Stat?.ErrnoName, Is.EqualTo("ENOENT"));
            Assert.That(report.Facts.Kvm.Open, Is.Null, "a missing device is not opened");
            Assert.That(report.Verdict.Status, Is.EqualTo(VirtualizationStatus.DeviceMissing));
            Assert.That(report.Verdict.Reason, Does.Contain(path));
            Assert.That(report.IsReady, Is.False);
        });
    }

    [Test]
    public void DevNullIsACharacterDeviceButNotAKvmDevice()
    {
        HostVirtualizationReport report = Probe("/dev/null");
        KvmFacts kvm = report.Facts.Kvm;

        Assert.Multiple(() =>
        {
            Assert.That(kvm.FileType, Is.EqualTo(DeviceFileType.CharacterDevice));
            Assert.That((kvm.DeviceMajor, kvm.DeviceMinor), Is.EqualTo(((uint?)1, (uint?)3)), "/dev/null is the mem device 1:3");
            Assert.That(kvm.Mode, Is.EqualTo("0666"));
            Assert.That(kvm.Access?.Succeeded, Is.True);
            Assert.That(kvm.Open?.Succeeded, Is.True);
            Assert.That(kvm.ApiVersion?.Error, Is.EqualTo(SystemCallError.InappropriateIoctl));
            Assert.That(kvm.ApiVersion?.Errno, Is.EqualTo(25));
            Assert.That(kvm.CreateVm, Is.Null, "no VM is attempted on a device that is not KVM");
            Assert.That(report.Verdict.Status, Is.EqualTo(VirtualizationStatus.NotAKvmDevice));
            Assert.That(report.Verdict.Reason, Does.Contain("/dev/null opens but is not a KVM device").And.Contain("ENOTTY"));
        });
    }

    [Test]
    public void ARegularFileIsNotAKvmDevice()
    {
        using var folder = new TempDirectory();
        string path = folder.Combine("fake-kvm");
        File.WriteAllText(path, "not a device");
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead);

        HostVirtualizationReport report = Probe(path);
        KvmFacts kvm = report.Facts.Kvm;

        Assert.Multiple(() =>
        {
            Assert.That(kvm.FileType, Is.EqualTo(DeviceFileType.RegularFile));
            Assert.That(kvm.Mode, Is.EqualTo("0640"));
            Assert.That(kvm.OwnerUid, Is.EqualTo(report.Facts.Identity.EffectiveUid));
            Assert.That(kvm.DeviceMajor, Is.Null);
            Assert.That(kvm.ApiVersion?.ErrnoName, Is.EqualTo("ENOTTY"));
            Assert.That(report.Verdict.Status, Is.EqualTo(VirtualizationStatus.NotAKvmDevice));
            Assert.That(report.Verdict.Reason, Does.Contain(path).And.Contain("Inappropriate ioctl"));
        });
        Assert.That(File.ReadAllText(path), Is.EqualTo("not a device"), "the probe must not write to what it opens");
    }

    [Test]
    public void ADirectoryIsNotAKvmDevice()
    {
        using var folder = new TempDirectory();

        HostVirtualizationReport report = Probe(folder.FullPath);

        Assert.Multiple(() =>
        {
            Assert.That(report.Facts.Kvm.FileType, Is.EqualTo(DeviceFileType.Directory));
            Assert.That(report.Facts.Kvm.Open?.Error, Is.EqualTo(SystemCallError.IsADirectory));
            Assert.That(report.Verdict.Status, Is.EqualTo(VirtualizationStatus.NotAKvmDevice));
            Assert.That(report.Verdict.Reason, Does.Contain("is a directory"));
        });
    }

    [Test]
    public void TheDefaultDeviceIsProbedAsTheFileSystemHasIt()
    {
        HostVirtualizationReport report = HostVirtualization.Detect();
        bool present = File.Exists("/dev/kvm");

        Assert.Multiple(() =>
        {
            Assert.That(report.Facts.Kvm.Applicable, Is.True);
            Assert.That(report.Facts.Kvm.DevicePath, Is.EqualTo("/dev/kvm"));
            Assert.That(report.Facts.Kvm.FileType == DeviceFileType.Missing, Is.EqualTo(!present));
            Assert.That(report.IsReady, Is.EqualTo(report.Facts.Kvm.CreateVm?.Succeeded == true));
            Assert.That(report.Verdict, Is.EqualTo(VirtualizationJudge.Judge(report.Facts)).Using<VirtualizationVerdict>(SameVerdict));
            Assert.That(report.ElapsedMilliseconds, Is.GreaterThan(0));
        });
    }

    [Test]
    public void ARelativeDevicePathIsRejectedNamingTheOption()
    {
        var error = Assert.Throws<ArgumentException>(() => HostVirtualizationOptions.Default.WithKvmDevicePath("dev/kvm"));

        Assert.That(error!.ParamName, Is.EqualTo("kvmDevicePath"));
    }

    [Test]
    public void DetectAsyncHonorsCancellation()
    {
        using var cancellation = new CancellationTokenSource();
        cancellation.Cancel();

        Assert.That(async () => await HostVirtualization.DetectAsync(cancellation.Token), Throws.InstanceOf<OperationCanceledException>());
    }

    [Test]
    public async Task DetectAsyncGivesTheSameVerdictAsDetect()
    {
        HostVirtualizationReport asynchronous = await HostVirtualization.DetectAsync();

        Assert.That(asynchronous.Verdict.Status, Is.EqualTo(HostVirtualization.Detect().Verdict.Status));
    }

    private static bool SameVerdict(VirtualizationVerdict left, VirtualizationVerdict right) =>
        left.Status == right.Status && left.Reason == right.Reason && left.Remediation.SequenceEqual(right.Remediation);
}
