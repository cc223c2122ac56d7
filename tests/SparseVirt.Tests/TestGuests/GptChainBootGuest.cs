using System.Buffers.Binary;

namespace SparseVirt.Tests.TestGuests;

/// <summary>
/// A two-stage BIOS guest for composed GPT disks: boot code for the protective MBR that loads the first partition's
/// boot sector (INT 13h AH=42h), and that boot sector, which reads the first sector of the second partition, prints
/// it up to a NUL on COM1 and powers off (ACPI S5, as <see cref="BootSectorGuest"/> does).
/// </summary>
internal static class GptChainBootGuest
{
    /// <summary>MBR code at 0x7C00: load LBA <paramref name="firstPartitionLba"/> to 0000:8000 with INT 13h AH=42h (DL: the boot drive) and jump there.</summary>
    public static byte[] MbrChainLoader(long firstPartitionLba)
    {
        byte[] code =
        [
            0xFA,             // cli
            0x31, 0xC0,       // xor ax, ax
            0x8E, 0xD8,       // mov ds, ax
            0x8E, 0xD0,       // mov ss, ax
            0xBC, 0x00, 0x7C, // mov sp, 0x7C00
            0xFB,             // sti
            0xBE, 0x1C, 0x7C, // mov si, dap (0x7C00 + 28)
            0xB4, 0x42,       // mov ah, 0x42 (extended read)
            0xCD, 0x13,       // int 0x13
            0x72, 0x05,       // jc fail
            0xEA, 0x00, 0x80, 0x00, 0x00, // jmp 0000:8000
            0xF4,             // fail: hlt
            0xEB, 0xFD,       // jmp fail
            .. DiskAddressPacket(0x8000, firstPartitionLba), // dap (offset 28)
        ];
        return code;
    }

    /// <summary>The first partition's boot sector, run at 0000:8000: read LBA <paramref name="lba"/> to 0000:9000, print it up to a NUL on COM1, power off.</summary>
    public static byte[] PartitionBootSector(long lba)
    {
        byte[] code =
        [
            0xBE, 0x2B, 0x80, // mov si, dap (0x8000 + 43)
            0xB4, 0x42,       // mov ah, 0x42
            0xCD, 0x13,       // int 0x13 (DL is still the boot drive)
            0xBE, 0x00, 0x90, // mov si, 0x9000
            0xAC,             // next: lodsb
            0x84, 0xC0,       // test al, al
            0x74, 0x12,       // jz done
            0x88, 0xC4,       // mov ah, al
            0xBA, 0xFD, 0x03, // mov dx, 0x3FD (COM1 line status)
            0xEC,             // wait: in al, dx
            0xA8, 0x20,       // test al, 0x20 (transmitter empty)
            0x74, 0xFB,       // jz wait
            0xBA, 0xF8, 0x03, // mov dx, 0x3F8
            0x88, 0xE0,       // mov al, ah
            0xEE,             // out dx, al
            0xEB, 0xE9,       // jmp next
            0xBA, 0x04, 0x06, // done: mov dx, 0x604 (ACPI PM1a_CNT)
            0xB8, 0x00, 0x20, // mov ax, 0x2000 (SLP_EN, S5)
            0xEF,             // out dx, ax
            0xF4,             // halt: hlt
            0xEB, 0xFD,       // jmp halt
            .. DiskAddressPacket(0x9000, lba), // dap (offset 43)
        ];
        byte[] sector = new byte[512];
        code.CopyTo(sector, 0);
        sector[510] = 0x55;
        sector[511] = 0xAA;
        return sector;
    }

    private static byte[] DiskAddressPacket(ushort bufferOffset, long lba)
    {
        byte[] dap = new byte[16];
        dap[0] = 0x10;
        BinaryPrimitives.WriteUInt16LittleEndian(dap.AsSpan(2), 1);
        BinaryPrimitives.WriteUInt16LittleEndian(dap.AsSpan(4), bufferOffset);
        BinaryPrimitives.WriteInt64LittleEndian(dap.AsSpan(8), lba);
        return dap;
    }
}
