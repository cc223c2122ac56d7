using System.Buffers.Binary;
using System.Text;

namespace SparseVirt.Tests.TestGuests;

/// <summary>
/// A boot sector that reads one far sector with the BIOS's extended disk read (INT 13h AH=42h, LBA addressing), prints
/// the zero-terminated text it holds on COM1 and powers off: proof that the guest really reads its disk at that offset.
/// Same COM1 and ACPI conventions as <see cref="BootSectorGuest"/>.
/// </summary>
internal static class FarSectorBootGuest
{
    /// <summary>The boot sector reading LBA <paramref name="sector"/> (512-byte sectors) into 0000:8000.</summary>
    public static byte[] BuildBootSector(long sector)
    {
        const ushort LoadAddress = 0x7C00;
        byte[] prefix =
        [
            0xFA,                   // cli
            0x31, 0xC0,             // xor ax, ax
            0x8E, 0xD8,             // mov ds, ax
            0x8E, 0xC0,             // mov es, ax
            0x8E, 0xD0,             // mov ss, ax
            0xBC, 0x00, 0x7C,       // mov sp, 0x7C00
            0xFB,                   // sti (the BIOS disk services need interrupts); DL still holds the boot drive
        ];
        byte[] body =
        [
            0xB4, 0x42,             // mov ah, 0x42 (extended read)
            0xCD, 0x13,             // int 0x13
            0xFA,                   // cli
            0xBE, 0x00, 0x80,       // mov si, 0x8000
            .. BootSectorGuest.PrintLoop,         // prints the sector's text; "done" follows it
            0xBA, 0x04, 0x06,       // mov dx, 0x604 (ACPI PM1a_CNT)
            0xB8, 0x00, 0x20,       // mov ax, 0x2000 (SLP_EN, S5)
            0xEF,                   // out dx, ax
            0xF4,                   // halt: hlt
            0xEB, 0xFD,             // jmp halt
        ];
        int packetOffset = prefix.Length + 3 + body.Length;
        ushort packetAddress = (ushort)(LoadAddress + packetOffset);
        byte[] packet = new byte[16];
        packet[0] = 16;                                                  // packet size
        BinaryPrimitives.WriteUInt16LittleEndian(packet.AsSpan(2), 1);   // sectors
        BinaryPrimitives.WriteUInt16LittleEndian(packet.AsSpan(4), 0x8000); // buffer offset (segment 0)
        BinaryPrimitives.WriteInt64LittleEndian(packet.AsSpan(8), sector);
        byte[] boot = [.. prefix, 0xBE, (byte)packetAddress, (byte)(packetAddress >> 8), .. body, .. packet]; // mov si, packet
        byte[] sector0 = new byte[BootSectorGuest.SectorSize];
        boot.CopyTo(sector0, 0);
        sector0[510] = 0x55;
        sector0[511] = 0xAA;
        return sector0;
    }

    /// <summary>A block holding <paramref name="text"/> plus CR LF and a terminating zero, padded to <paramref name="blockSize"/>.</summary>
    public static byte[] TextBlock(string text, int blockSize)
    {
        byte[] block = new byte[blockSize];
        Encoding.ASCII.GetBytes(text + "\r\n").CopyTo(block, 0);
        return block;
    }
}
