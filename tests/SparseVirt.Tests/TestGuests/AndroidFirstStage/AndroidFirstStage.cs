using SparseVirt.Layouts.Super;
using SparseVirt.Tests.Infrastructure;

namespace SparseVirt.Tests.TestGuests.AndroidFirstStage;

/// <summary>
/// What Android's first-stage init does with a device's disks, done by the tests' guest: its C programs (in this
/// folder, built statically here so the initramfs needs no libraries) and the /init script that runs them. The script
/// finds the partitions by GPT label (each partition's <c>PARTNAME</c> in sysfs, linked as /dev/block/by-name/NAME),
/// maps <c>system_a</c> and <c>vendor_a</c> out of <c>super</c> with device-mapper linear tables
/// (<c>first_stage_mount.c</c>: liblp metadata read and checked, DM ioctls), mounts them read-only at /system and
/// /vendor, finds userdata by its ext4 label and mounts it at /data, and runs /system/bin/hello
/// (<c>system_hello.c</c>), which appends a line to /data/boot-log.txt.
/// </summary>
internal static class AndroidFirstStage
{
    /// <summary>The guest's /init script, run after the modules load (virtio-blk and dm-mod).</summary>
    public const string InitScript = """
        echo "first stage: started at $(cut -d' ' -f1 /proc/uptime) s of guest uptime"
        for i in $(seq 1 100); do grep -qs '^PARTNAME=super$' /sys/class/block/*/uevent && break; sleep 0.1; done
        mkdir -p /dev/block/by-name /system /vendor /data
        for uevent in /sys/class/block/*/uevent; do
          label=$(sed -n 's/^PARTNAME=//p' "$uevent"); device=$(sed -n 's/^DEVNAME=//p' "$uevent")
          [ -n "$label" ] && ln -s "/dev/$device" "/dev/block/by-name/$label" && echo "by-name: $label -> /dev/$device"
        done
        first-stage-mount /dev/block/by-name/super 0 system_a vendor_a || echo "first-stage-mount failed: $?"
        mount -t ext4 -o ro /dev/block/mapper/system_a /system && mount -t ext4 -o ro /dev/block/mapper/vendor_a /vendor
        grep -E ' /(system|vendor) ' /proc/mounts | sed 's/^/mounted: /'
        for dm in /sys/block/dm-*; do echo "dm: ${dm##*/} is $(cat "$dm/dm/name"), read-only $(cat "$dm/ro")"; done
        userdata=$(findfs LABEL=userdata) && echo "userdata: $userdata" && mount -t ext4 "$userdata" /data
        echo "userdata before: $(cat /data/boot-log.txt 2>/dev/null | tr '\n' '|')"
        /system/bin/hello /system/etc/build.prop /vendor/etc/vendor.prop /data/boot-log.txt || echo "hello failed: $?"
        umount /data && echo "userdata unmounted at $(cut -d' ' -f1 /proc/uptime) s of guest uptime"
        """;

    /// <summary>The modules the guest loads: virtio-blk for its disks, dm-mod (which holds dm-linear) for the mapping.</summary>
    public static readonly string[] Modules = [.. DebianCloudGuest.VirtioDiskModules, "dm_mod"];

    private static string Sources => Path.Combine(RepositoryPaths.Root, "tests", "SparseVirt.Tests", "TestGuests", "AndroidFirstStage");

    /// <summary>
    /// Builds first-stage-mount statically into <paramref name="folder"/>; skips (fails under
    /// SPARSEVIRT_REQUIRE_INTEROP=1) without a C compiler and its static C library.
    /// </summary>
    public static string BuildFirstStageMount(string folder) => Compile(Path.Combine(folder, "first-stage-mount"), "first_stage_mount.c", "sha256.c");

    /// <summary>Builds the system program, hello, statically into <paramref name="folder"/> (as <see cref="BuildFirstStageMount"/>).</summary>
    public static string BuildHello(string folder) => Compile(Path.Combine(folder, "hello"), "system_hello.c");

    /// <summary>
    /// The device-mapper table first-stage-mount loads for <paramref name="partition"/> and prints ("START LENGTH
    /// linear DEVICE SECTOR", ";"-separated), from the library's reading of the same metadata.
    /// </summary>
    public static string TableOf(LpMetadata metadata, string partition, string superDevice)
    {
        ulong sector = 0;
        var targets = new List<string>();
        foreach (LpExtent extent in metadata.ExtentsOf(metadata.Partitions.Single(p => p.Name == partition)))
        {
            targets.Add(extent.Type == LpExtentType.Linear ? $"{sector} {extent.SectorCount} linear {superDevice} {extent.TargetData}" : $"{sector} {extent.SectorCount} zero ");
            sector += extent.SectorCount;
        }
        return string.Join("; ", targets);
    }

    private static string Compile(string output, params string[] sources)
    {
        string gcc = ExternalTool.Require("gcc", "gcc");
        // gcc prints the bare name when it has no such file: glibc's static library comes with libc6-dev.
        if (!Path.IsPathRooted(ExternalTool.RunChecked(gcc, "-print-file-name=libc.a").Output.Trim()))
        {
            ExternalTool.Missing("gcc has no static C library to link with (Debian package libc6-dev).");
        }
        ToolResult result = ExternalTool.Run(gcc, ["-static", "-O2", "-Wall", "-Wextra", "-Werror", "-o", output, .. sources.Select(s => Path.Combine(Sources, s))]);
        Assert.That(result.ExitCode, Is.Zero, $"gcc -static {string.Join(' ', sources)}: {result.Error}");
        return output;
    }
}
