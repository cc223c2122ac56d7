#!/usr/bin/env python3
"""Makes hello.simg, the small Android sparse disk image the README's first command uses.

The raw disk (4 MiB) holds a boot sector that prints one line on the first serial port (COM1) and then powers
the machine off through the ACPI PM1a control register QEMU's firmware sets up (port 0x604), so a boot finishes
by itself in a second. The rest of the disk gives the sparse image every kind of chunk: a fill pattern, some raw
text and long zero runs. AOSP img2simg turns it into hello.simg.

usage: python3 make-hello.py   (in this folder; needs img2simg from android-sdk-libsparse-utils)
"""
import os
import subprocess
import tempfile

MESSAGE = b"Hello from SparseVirt: this guest booted from an Android sparse image.\r\n"
BLOCK = 4096
DISK_BYTES = 4 * 1024 * 1024

def boot_sector(message: bytes) -> bytes:
    code = bytes([
        0xFA,              # cli
        0x31, 0xC0,        # xor ax, ax
        0x8E, 0xD8,        # mov ds, ax
        0xBE, 0x1D, 0x7C,  # mov si, 0x7C1D (the message)
        0xBA, 0xF8, 0x03,  # mov dx, 0x3F8 (COM1)
        0xAC,              # next: lodsb
        0x84, 0xC0,        # test al, al
        0x74, 0x03,        # jz done
        0xEE,              # out dx, al
        0xEB, 0xF8,        # jmp next
        0xBA, 0x04, 0x06,  # done: mov dx, 0x604 (ACPI PM1a_CNT)
        0xB8, 0x00, 0x20,  # mov ax, 0x2000 (SLP_EN, S5)
        0xEF,              # out dx, ax
        0xF4,              # halt: hlt
        0xEB, 0xFD,        # jmp halt
    ])
    assert len(code) == 0x1D
    sector = bytearray(512)
    sector[: len(code)] = code
    sector[len(code) : len(code) + len(message) + 1] = message + b"\0"
    sector[510:512] = b"\x55\xAA"
    return bytes(sector)

def main() -> None:
    disk = bytearray(DISK_BYTES)
    disk[0:512] = boot_sector(MESSAGE)
    disk[64 * BLOCK : 80 * BLOCK] = b"\xEF\xBE\xAD\xDE" * (16 * BLOCK // 4)  # a FILL chunk of 0xDEADBEEF
    text = (b"SparseVirt sample disk. " * 400)[: 3 * BLOCK]
    disk[256 * BLOCK : 259 * BLOCK] = text  # RAW chunks
    with tempfile.TemporaryDirectory() as tmp:
        raw = os.path.join(tmp, "hello.raw")
        with open(raw, "wb") as f:
            f.write(disk)
        subprocess.run(["img2simg", raw, "hello.simg"], check=True)

if __name__ == "__main__":
    main()
