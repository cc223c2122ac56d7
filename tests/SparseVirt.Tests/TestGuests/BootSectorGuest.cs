using System.Text;

namespace SparseVirt.Tests.TestGuests;

/// <summary>
/// A tiny x86 guest for QEMU tests: a raw disk whose MBR boot sector (16-bit real-mode code the BIOS loads at
/// 0x7C00) writes a line to COM1 (I/O port 0x3F8, waiting for the transmitter before each byte as a real driver does,
/// or bytes get lost when the host reads slowly) and then powers off, halts for good, or repeats. Powering off writes
/// SLP_EN (0x2000, sleep type S5 = 0) to the ACPI PM1a control register at I/O port 0x604, where QEMU's SeaBIOS puts
/// the PM block on both the pc and q35 machines. Boots in well under a second under TCG.
/// </summary>
internal static class BootSectorGuest
{
    public const int SectorSize = 512;
    public const long DefaultDiskBytes = 1024 * 1024;
    private const ushort LoadAddress = 0x7C00;

    /// <summary>Prints the zero-terminated text at DS:SI on COM1, then falls through to the code after it.</summary>
    public static readonly byte[] PrintLoop =
    [
        0xAC,               // next: lodsb
        0x84, 0xC0,         // test al, al
        0x74, 0x12,         // jz done
        0x88, 0xC4,         // mov ah, al
        0xBA, 0xFD, 0x03,       // mov dx, 0x3FD (COM1 line status register)
        0xEC,               // wait: in al, dx
        0xA8, 0x20,         // test al, 0x20 (transmit holding register empty)
        0x74, 0xFB,         // jz wait
        0xBA, 0xF8, 0x03,       // mov dx, 0x3F8 (COM1 data register)
        0x88, 0xE0,         // mov al, ah
        0xEE,               // out dx, al
        0xEB, 0xE9,         // jmp next
    ];

    /// <summary>Writes a raw disk of <paramref name="diskBytes"/> bytes at <paramref name="path"/> that prints <paramref name="line"/> on COM1.</summary>
    public static void WriteDisk(string path, string line, BootSectorGuestEnding ending, long diskBytes = DefaultDiskBytes)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(diskBytes, SectorSize);
        using var disk = new FileStream(path, FileMode.Create, FileAccess.Write);
        disk.Write(BuildBootSector(line, ending));
        disk.SetLength(diskBytes);
    }

    /// <summary>The 512-byte boot sector that prints <paramref name="line"/> (plus CR LF) and then does <paramref name="ending"/>.</summary>
    public static byte[] BuildBootSector(string line, BootSectorGuestEnding ending)
    {
        ArgumentNullException.ThrowIfNull(line);
        if (line.Any(c => c is < ' ' or > '~'))
        {
            throw new ArgumentException("The line must be printable ASCII (no control characters).", nameof(line));
        }
        byte[] tail = ending switch
        {
            BootSectorGuestEnding.PowerOff =>
            [
                0xBA, 0x04, 0x06, // mov dx, 0x604 (ACPI PM1a_CNT)
                0xB8, 0x00, 0x20, // mov ax, 0x2000 (SLP_EN, S5)
                0xEF,             // out dx, ax
                0xF4,             // halt: hlt
                0xEB, 0xFD,       // jmp halt
            ],
            BootSectorGuestEnding.PowerOffOnPowerButton =>
            [
                0xBA, 0x00, 0x06, // mov dx, 0x600 (ACPI PM1a_STS; PWRBTN_EN was set before printing, see prologue)
                0xED,             // button: in ax, dx
                0xF6, 0xC4, 0x01, // test ah, 1 (PWRBTN_STS)
                0x74, 0xFA,       // jz button
                0xBA, 0x04, 0x06, // mov dx, 0x604 (ACPI PM1a_CNT)
                0xB8, 0x00, 0x20, // mov ax, 0x2000 (SLP_EN, S5)
                0xEF,             // out dx, ax
                0xF4,             // halt: hlt
                0xEB, 0xFD,       // jmp halt
            ],
            BootSectorGuestEnding.EchoInput =>
            [
                0xBA, 0xFD, 0x03, // echo: mov dx, 0x3FD (COM1 line status register)
                0xEC,             // receive: in al, dx
                0xA8, 0x01,       // test al, 1 (data ready)
                0x74, 0xFB,       // jz receive
                0xBA, 0xF8, 0x03, // mov dx, 0x3F8 (COM1 data register)
                0xEC,             // in al, dx
                0x88, 0xC4,       // mov ah, al
                0xBA, 0xFD, 0x03, // mov dx, 0x3FD
                0xEC,             // transmit: in al, dx
                0xA8, 0x20,       // test al, 0x20 (transmit holding register empty)
                0x74, 0xFB,       // jz transmit
                0xBA, 0xF8, 0x03, // mov dx, 0x3F8
                0x88, 0xE0,       // mov al, ah
                0xEE,             // out dx, al
                0xEB, 0xE2,       // jmp echo
            ],
            BootSectorGuestEnding.HaltForever =>
            [
                0xF4,             // halt: hlt (interrupts are off, so nothing wakes it)
                0xEB, 0xFD,       // jmp halt
            ],
            BootSectorGuestEnding.Panic =>
            [
                0xBA, 0x05, 0x05, // mov dx, 0x505 (the ISA pvpanic device's port)
                0xB0, 0x01,       // mov al, 1 (PVPANIC_PANICKED)
                0xEE,             // out dx, al
                0xF4,             // halt: hlt
                0xEB, 0xFD,       // jmp halt
            ],
            BootSectorGuestEnding.RepeatForever =>
            [
                0xEB, 0xE4,       // jmp print (back to "mov si, message")
            ],
            _ => throw new ArgumentOutOfRangeException(nameof(ending), ending, "unknown ending"),
        };
        // The power button is armed before the line is printed: a test presses it as soon as it reads the line, and a
        // press before PWRBTN_EN is set would be lost (QEMU only latches PWRBTN_STS when the enable bit is on).
        byte[] prologue = ending == BootSectorGuestEnding.PowerOffOnPowerButton
            ?
            [
                0xBA, 0x02, 0x06, // mov dx, 0x602 (ACPI PM1a_EN)
                0xB8, 0x00, 0x01, // mov ax, 0x0100 (PWRBTN_EN)
                0xEF,             // out dx, ax
            ]
            : [];
        const int PrintLoopLength = 31;
        int codeLength = PrintLoopLength + prologue.Length + tail.Length;
        ushort messageAddress = (ushort)(LoadAddress + codeLength);
        byte[] code =
        [
            0xFA,                   // cli
            0x31, 0xC0,             // xor ax, ax
            0x8E, 0xD8,             // mov ds, ax
            .. prologue,
            0xBE, (byte)messageAddress, (byte)(messageAddress >> 8), // print: mov si, message
            .. PrintLoop,
            .. tail,                // done:
        ];
        byte[] message = Encoding.ASCII.GetBytes(line + "\r\n\0");
        if (code.Length + message.Length > SectorSize - 2)
        {
            throw new ArgumentException($"The line is too long for one boot sector ({line.Length} characters, at most {SectorSize - 2 - code.Length - 3}).", nameof(line));
        }
        byte[] sector = new byte[SectorSize];
        code.CopyTo(sector, 0);
        message.CopyTo(sector, code.Length);
        sector[510] = 0x55;
        sector[511] = 0xAA;
        return sector;
    }
}
