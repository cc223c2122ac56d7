#!/usr/bin/env python3
"""Writes a 512-byte x86 boot sector that prints a line on COM1 and powers off (ACPI S5 through port 0x604), into the
first sector of a raw disk and of a sparse image whose first chunk is RAW (ext4 leaves its first 1024 bytes unused),
so the benchmark's ext4 workload boots: `sparsevirt run` then measures the time to the guest's first serial line.
The same guest as tests/SparseVirt.Tests/TestGuests/BootSectorGuest.cs (PowerOff ending).

usage: boot-sector.py LINE RAW_IMAGE SPARSE_IMAGE"""
import struct
import sys

line, raw, sparse = sys.argv[1], sys.argv[2], sys.argv[3]
message = (line + "\r\n\0").encode("ascii")
print_loop = bytes([0xAC, 0x84, 0xC0, 0x74, 0x12, 0x88, 0xC4, 0xBA, 0xFD, 0x03, 0xEC, 0xA8, 0x20, 0x74, 0xFB,
                    0xBA, 0xF8, 0x03, 0x88, 0xE0, 0xEE, 0xEB, 0xE9])
power_off = bytes([0xBA, 0x04, 0x06, 0xB8, 0x00, 0x20, 0xEF, 0xF4, 0xEB, 0xFD])
head = bytes([0xFA, 0x31, 0xC0, 0x8E, 0xD8])  # cli; xor ax, ax; mov ds, ax
address = 0x7C00 + len(head) + 3 + len(print_loop) + len(power_off)
code = head + bytes([0xBE]) + struct.pack("<H", address) + print_loop + power_off + message
sector = code.ljust(510, b"\0") + b"\x55\xAA"

with open(raw, "r+b") as f:
    f.write(sector)
with open(sparse, "r+b") as f:
    header = f.read(28)
    file_header_size = struct.unpack_from("<H", header, 8)[0]
    f.seek(file_header_size)
    chunk = f.read(12)
    if struct.unpack_from("<H", chunk, 0)[0] != 0xCAC1:
        sys.exit("the sparse image's first chunk is not RAW; cannot place a boot sector in it")
    chunk_header_size = struct.unpack_from("<H", header, 10)[0]
    f.seek(file_header_size + chunk_header_size)
    f.write(sector)
