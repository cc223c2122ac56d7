using System.Buffers.Binary;
using System.Text;

namespace SparseVirt.Tests.TestGuests;

/// <summary>
/// A boot sector in the style of <see cref="BootSectorGuest"/> that exercises the disk through the BIOS (INT 13h
/// extended read and write, AH=42h/43h, on drive 0x80): it prints the text in sector <c>to</c> (what an earlier run
/// left there; nothing on a fresh disk), then reads sector <c>from</c> and writes it to sector <c>to</c>, prints
/// "copied" (or "disk error"), and powers off.
/// </summary>
internal static class SectorCopyGuest
{
    private const ushort LoadAddress = 0x7C00;
    private const ushort Buffer = 0x8000;

    /// <summary>Writes a raw disk of <paramref name="diskBytes"/> bytes whose boot sector copies <paramref name="fromLba"/> to <paramref name="toLba"/>, and <paramref name="text"/> in sector <paramref name="fromLba"/>.</summary>
    public static void WriteDisk(string path, long fromLba, long toLba, string text, long diskBytes)
    {
        using var disk = new FileStream(path, FileMode.Create, FileAccess.Write);
        disk.SetLength(diskBytes);
        disk.Write(BuildBootSector(fromLba, toLba));
        byte[] sector = new byte[BootSectorGuest.SectorSize];
        Encoding.ASCII.GetBytes(text + "\r\n").CopyTo(sector, 0);
        disk.Position = fromLba * BootSectorGuest.SectorSize;
        disk.Write(sector);
    }

    public static byte[] BuildBootSector(long fromLba, long toLba)
    {
        var code = new Assembler(LoadAddress);
        code.Emit(0xFA, 0x31, 0xC0, 0x8E, 0xD8, 0x8E, 0xC0, 0x8E, 0xD0); // cli; xor ax,ax; mov ds,ax; mov es,ax; mov ss,ax
        code.Emit(0xBC, 0x00, 0x7C, 0xFB);                                 // mov sp,0x7C00; sti (the BIOS disk code wants interrupts)
        code.Emit(0xBE); code.Absolute("dapTo");                           // mov si, dapTo
        code.Emit(0xB4, 0x42, 0xB2, 0x80, 0xCD, 0x13);                     // mov ah,0x42; mov dl,0x80; int 0x13 (read "to")
        code.Emit(0x72); code.Relative8("fail");                           // jc fail
        code.Emit(0xC6, 0x06, 0xFF, 0x81, 0x00);                           // mov byte [0x81FF],0 (the text ends at the sector's end at the latest)
        code.Emit(0xBE, 0x00, 0x80);                                       // mov si, 0x8000
        code.Emit(0xE8); code.Relative16("print");                         // call print
        code.Emit(0xBE); code.Absolute("dapFrom");                         // mov si, dapFrom
        code.Emit(0xB4, 0x42, 0xB2, 0x80, 0xCD, 0x13);                     // read "from"
        code.Emit(0x72); code.Relative8("fail");                           // jc fail
        code.Emit(0xBE); code.Absolute("dapTo");                           // mov si, dapTo
        code.Emit(0xB8, 0x00, 0x43, 0xB2, 0x80, 0xCD, 0x13);               // mov ax,0x4300; mov dl,0x80; int 0x13 (write "to")
        code.Emit(0x72); code.Relative8("fail");                           // jc fail
        code.Emit(0xBE); code.Absolute("copied");                          // mov si, copied
        code.Label("report");
        code.Emit(0xE8); code.Relative16("print");                         // call print
        code.Emit(0xBA, 0x04, 0x06, 0xB8, 0x00, 0x20, 0xEF);               // mov dx,0x604; mov ax,0x2000; out dx,ax (ACPI S5)
        code.Label("halt");
        code.Emit(0xF4, 0xEB); code.Relative8("halt");                     // hlt; jmp halt
        code.Label("fail");
        code.Emit(0xBE); code.Absolute("failed");                          // mov si, failed
        code.Emit(0xEB); code.Relative8("report");                         // jmp report
        code.Label("print");
        code.Emit(0xAC, 0x84, 0xC0, 0x74); code.Relative8("done");         // lodsb; test al,al; jz done
        code.Emit(0x88, 0xC4, 0xBA, 0xFD, 0x03);                           // mov ah,al; mov dx,0x3FD
        code.Label("wait");
        code.Emit(0xEC, 0xA8, 0x20, 0x74); code.Relative8("wait");         // in al,dx; test al,0x20; jz wait
        code.Emit(0xBA, 0xF8, 0x03, 0x88, 0xE0, 0xEE, 0xEB); code.Relative8("print"); // mov dx,0x3F8; mov al,ah; out dx,al; jmp print
        code.Label("done");
        code.Emit(0xC3);                                                   // ret
        code.Label("dapFrom");
        code.Emit(AddressPacket(fromLba));
        code.Label("dapTo");
        code.Emit(AddressPacket(toLba));
        code.Label("copied");
        code.Emit(Encoding.ASCII.GetBytes("copied\r\n\0"));
        code.Label("failed");
        code.Emit(Encoding.ASCII.GetBytes("disk error\r\n\0"));
        byte[] sector = new byte[BootSectorGuest.SectorSize];
        code.Assemble().CopyTo(sector, 0);
        sector[510] = 0x55;
        sector[511] = 0xAA;
        return sector;
    }

    /// <summary>An INT 13h extensions disk address packet: size 16, one sector, to/from 0000:8000, at <paramref name="lba"/>.</summary>
    private static byte[] AddressPacket(long lba)
    {
        byte[] packet = new byte[16];
        packet[0] = 16;
        packet[2] = 1;
        BinaryPrimitives.WriteUInt16LittleEndian(packet.AsSpan(4), Buffer);
        BinaryPrimitives.WriteInt64LittleEndian(packet.AsSpan(8), lba);
        return packet;
    }

    /// <summary>Just enough of an assembler: bytes, labels, and 8/16-bit relative and 16-bit absolute references to them.</summary>
    private sealed class Assembler(ushort origin)
    {
        private readonly List<byte> _bytes = [];
        private readonly Dictionary<string, int> _labels = [];
        private readonly List<(int At, string Label, int Kind)> _fixups = [];

        public void Emit(params byte[] bytes) => _bytes.AddRange(bytes);

        public void Label(string name) => _labels.Add(name, _bytes.Count);

        public void Relative8(string label) => Reference(label, 1);

        public void Relative16(string label) => Reference(label, 2);

        public void Absolute(string label) => Reference(label, 0);

        public byte[] Assemble()
        {
            byte[] bytes = [.. _bytes];
            foreach ((int at, string label, int kind) in _fixups)
            {
                int target = _labels[label];
                switch (kind)
                {
                    case 0:
                        BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(at), (ushort)(origin + target));
                        break;
                    case 1:
                        int near = target - (at + 1);
                        bytes[at] = near is >= sbyte.MinValue and <= sbyte.MaxValue ? (byte)(sbyte)near : throw new InvalidOperationException($"'{label}' is out of short-jump range.");
                        break;
                    default:
                        BinaryPrimitives.WriteInt16LittleEndian(bytes.AsSpan(at), (short)(target - (at + 2)));
                        break;
                }
            }
            return bytes.Length <= BootSectorGuest.SectorSize - 2 ? bytes : throw new InvalidOperationException("The code does not fit the boot sector.");
        }

        private void Reference(string label, int kind)
        {
            _fixups.Add((_bytes.Count, label, kind));
            _bytes.AddRange(kind == 1 ? [0] : [0, 0]);
        }
    }
}
