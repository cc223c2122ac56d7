namespace SparseVirt.Hypervisor;

/// <summary>What kind of file the KVM device path is. Values are stable (JSON schema).</summary>
public enum DeviceFileType
{
    /// <summary>Nothing at that path.</summary>
    Missing = 0,

    /// <summary>A character device, as /dev/kvm should be.</summary>
    CharacterDevice = 1,

    /// <summary>A block device.</summary>
    BlockDevice = 2,

    /// <summary>A regular file.</summary>
    RegularFile = 3,

    /// <summary>A directory.</summary>
    Directory = 4,

    /// <summary>A FIFO, socket or link target that could not be classified.</summary>
    Other = 5,

    /// <summary>The file type could not be read (statx failed for a reason other than absence).</summary>
    Unknown = 6,
}
