using System.Text.Json.Nodes;

namespace SparseVirt.Qemu.Qmp;

/// <summary>Hotplug: block nodes, devices and network back ends added and removed while the VM runs.</summary>
public sealed partial class QmpClient
{
    /// <summary>Adds a block node (<c>blockdev-add</c>); <paramref name="options"/> is the node's description, e.g. <c>{"driver": "qcow2", "node-name": "hot0", "file": {...}}</c>.</summary>
    public Task BlockdevAddAsync(JsonObject options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        return ExecuteAsync("blockdev-add", options, cancellationToken);
    }

    /// <summary>Adds an image file as a protocol node <c>NODE-file</c> and a format node <c>NODE</c> over it.</summary>
    public async Task BlockdevAddImageAsync(string nodeName, string path, QemuDiskFormat format, bool readOnly = false, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(nodeName);
        ArgumentException.ThrowIfNullOrEmpty(path);
        await BlockdevAddAsync(new JsonObject { ["driver"] = "file", ["node-name"] = nodeName + "-file", ["filename"] = path, ["read-only"] = readOnly }, cancellationToken).ConfigureAwait(false);
        await BlockdevAddAsync(new JsonObject
        {
            ["driver"] = format == QemuDiskFormat.Qcow2 ? "qcow2" : "raw",
            ["node-name"] = nodeName,
            ["file"] = nodeName + "-file",
            ["read-only"] = readOnly,
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Removes the block node <paramref name="nodeName"/> (<c>blockdev-del</c>); it must no longer be in use.</summary>
    public Task BlockdevDelAsync(string nodeName, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(nodeName);
        return ExecuteAsync("blockdev-del", new JsonObject { ["node-name"] = nodeName }, cancellationToken);
    }

    /// <summary>Adds a device (<c>device_add</c>) of type <paramref name="driver"/> with id <paramref name="id"/> and further <paramref name="properties"/>.</summary>
    public Task DeviceAddAsync(string driver, string id, JsonObject? properties = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(driver);
        ArgumentException.ThrowIfNullOrEmpty(id);
        return ExecuteAsync("device_add", WithProperties(new JsonObject { ["driver"] = driver, ["id"] = id }, properties), cancellationToken);
    }

    /// <summary>
    /// Removes device <paramref name="id"/> (<c>device_del</c>) and waits for QEMU's <c>DEVICE_DELETED</c> for it: removal
    /// is asynchronous (a PCI device needs the guest's consent), so the device is gone only when this returns.
    /// </summary>
    /// <exception cref="TimeoutException">No <c>DEVICE_DELETED</c> within <paramref name="timeout"/> (a guest may ignore the request).</exception>
    public async Task DeviceDelAsync(string id, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(id);
        QmpEventMark mark = MarkEvents();
        await ExecuteAsync("device_del", new JsonObject { ["id"] = id }, cancellationToken).ConfigureAwait(false);
        await WaitForEventAsync("DEVICE_DELETED", e => e.GetDataString("device") == id, timeout, mark, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Adds a network back end (<c>netdev_add</c>) of <paramref name="type"/> (e.g. <c>user</c>) with id <paramref name="id"/>.</summary>
    public Task NetdevAddAsync(string type, string id, JsonObject? properties = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(type);
        ArgumentException.ThrowIfNullOrEmpty(id);
        return ExecuteAsync("netdev_add", WithProperties(new JsonObject { ["type"] = type, ["id"] = id }, properties), cancellationToken);
    }

    /// <summary>Removes the network back end <paramref name="id"/> (<c>netdev_del</c>).</summary>
    public Task NetdevDelAsync(string id, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(id);
        return ExecuteAsync("netdev_del", new JsonObject { ["id"] = id }, cancellationToken);
    }

    private static JsonObject WithProperties(JsonObject arguments, JsonObject? properties)
    {
        foreach ((string name, JsonNode? value) in properties ?? [])
        {
            arguments[name] = value?.DeepClone();
        }
        return arguments;
    }
}
