using System.Text.Json;
using SparseVirt.BlockSources;
using SparseVirt.Tests.Infrastructure;

namespace SparseVirt.Tests.Nbd;

/// <summary>The real NBD clients the tests drive (libnbd's nbdinfo/nbdcopy, QEMU's qemu-img/qemu-io), and what they report.</summary>
internal static class NbdTools
{
    public static string NbdInfo => ExternalTool.Require("nbdinfo", "libnbd-bin");

    public static string NbdCopy => ExternalTool.Require("nbdcopy", "libnbd-bin");

    public static string QemuImg => ExternalTool.Require("qemu-img", "qemu-utils");

    public static string QemuIo => ExternalTool.Require("qemu-io", "qemu-utils");

    /// <summary>nbdinfo --map --json: (offset, length, type) with type 0 data, 2 zero, 3 hole+zero.</summary>
    public static List<(long Offset, long Length, int Type)> NbdInfoMap(string uri)
    {
        ToolResult result = ExternalTool.RunChecked(NbdInfo, "--map", "--json", uri);
        using JsonDocument json = JsonDocument.Parse(result.Output);
        return json.RootElement.EnumerateArray()
            .Select(e => (e.GetProperty("offset").GetInt64(), e.GetProperty("length").GetInt64(), e.GetProperty("type").GetInt32()))
            .ToList();
    }

    /// <summary>qemu-img map --output=json: (start, length, data, zero).</summary>
    public static List<(long Start, long Length, bool Data, bool Zero)> QemuImgMap(string uri)
    {
        ToolResult result = ExternalTool.RunChecked(QemuImg, "map", "--output=json", "-f", "raw", uri);
        using JsonDocument json = JsonDocument.Parse(result.Output);
        return json.RootElement.EnumerateArray()
            .Select(e => (e.GetProperty("start").GetInt64(), e.GetProperty("length").GetInt64(), e.GetProperty("data").GetBoolean(), e.GetProperty("zero").GetBoolean()))
            .ToList();
    }

    /// <summary>The nbdinfo type a block source's extent should be reported as.</summary>
    public static int ExpectedType(BlockExtentKind kind) => kind switch
    {
        BlockExtentKind.Data => 0,
        BlockExtentKind.Zero => 2,
        _ => 3,
    };

    /// <summary>The source's map with the kinds nbdinfo reports, adjacent equal ones merged.</summary>
    public static List<(long Offset, long Length, int Type)> ExpectedMap(IBlockSource source)
    {
        var map = new List<(long Offset, long Length, int Type)>();
        foreach (BlockExtent extent in source.GetExtents(0, source.Length))
        {
            int type = ExpectedType(extent.Kind);
            if (map.Count > 0 && map[^1].Type == type)
            {
                map[^1] = map[^1] with { Length = map[^1].Length + extent.Length };
            }
            else
            {
                map.Add((extent.Offset, extent.Length, type));
            }
        }
        return map;
    }

    /// <summary>The bytes a file occupies on disk (st_blocks × 512).</summary>
    public static long AllocatedBytes(string path)
    {
        ToolResult result = ExternalTool.RunChecked("/usr/bin/stat", "-c", "%b", path);
        return long.Parse(result.Output.Trim(), System.Globalization.CultureInfo.InvariantCulture) * 512;
    }
}
