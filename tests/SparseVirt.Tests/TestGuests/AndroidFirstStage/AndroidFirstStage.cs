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
    /// Builds first-stage-mount and hello statically into <paramref name="folder"/>; skips (fails under
    /// SPARSEVIRT_REQUIRE_INTEROP=1) without a C compiler.
    /// </summary>
    public static (string FirstStageMount, string Hello) Build(string folder)
    {
        string gcc = ExternalTool.Require("gcc", "gcc");
        // gcc prints the bare name when it has no such file: glibc's static library comes with libc6-dev.
        if (!Path.IsPathRooted(ExternalTool.RunChecked(gcc, "-print-file-name=libc.a").Output.Trim()))
        {
            ExternalTool.Missing("gcc has no static C library to link with (Debian package libc6-dev).");
        }
        string firstStage = Path.Combine(folder, "first-stage-mount"), hello = Path.Combine(folder, "hello");
        Compile(gcc, firstStage, "first_stage_mount.c", "sha256.c");
        Compile(gcc, hello, "system_hello.c");
        return (firstStage, hello);
    }

    private static void Compile(string gcc, string output, params string[] sources)
    {
        ToolResult result = ExternalTool.Run(gcc, ["-static", "-O2", "-Wall", "-Wextra", "-Werror", "-o", output, .. sources.Select(s => Path.Combine(Sources, s))]);
        Assert.That(result.ExitCode, Is.Zero, $"gcc -static {string.Join(' ', sources)}: {result.Error}");
    }
}
