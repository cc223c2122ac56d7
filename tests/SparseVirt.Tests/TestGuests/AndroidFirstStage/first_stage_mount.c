/*
 * The part of Android's first-stage init that turns `super` into block devices, for the tests' guest: it reads the
 * liblp metadata of a super partition (AOSP fs_mgr/liblp, metadata_format.h: geometry at 4096 with its backup at
 * 8192, then each slot's primary metadata copy, then the backups; every SHA-256 checked, the backup copy used when
 * the primary fails, as liblp's reader does), and maps each partition asked for with a device-mapper table (one
 * `linear` target per extent, `zero` for zero extents) through the kernel's DM ioctls, read-only when the partition
 * is. Each device gets the name of its partition and a /dev/block/mapper/NAME link, as init makes.
 *
 * Usage: first-stage-mount [--table] SUPER_DEVICE SLOT PARTITION...
 * Prints one line per partition: NAME: /dev/block/mapper/NAME -> /dev/dm-N (read-only|read-write), table: TARGETS.
 * With --table it maps nothing and prints NAME: table: TARGETS (the host's tests check the reading that way).
 * Built statically by the test (gcc -static), so the initramfs needs no libraries.
 */
#include "sha256.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/dm-ioctl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#define GEOMETRY_MAGIC 0x616c4467u
#define HEADER_MAGIC 0x414c5030u
#define RESERVED_BYTES 4096
#define GEOMETRY_SIZE 4096
#define GEOMETRY_STRUCT_SIZE 52
#define PARTITION_ENTRY_SIZE 52
#define EXTENT_ENTRY_SIZE 24
#define NAME_SIZE 36
#define PARTITION_ATTR_READONLY 1u
#define TARGET_LINEAR 0u
#define TARGET_ZERO 1u
#define MAX_METADATA_SIZE (16u * 1024 * 1024)
#define MAX_TARGETS 64

struct geometry { uint32_t metadata_max_size, slot_count; };
struct table { uint32_t offset, count, entry_size; };
struct metadata { uint8_t *bytes; uint32_t header_size; struct table partitions, extents; };

static uint32_t u32(const uint8_t *p) { return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24; }
static uint16_t u16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }
static uint64_t u64(const uint8_t *p) { return (uint64_t)u32(p) | (uint64_t)u32(p + 4) << 32; }

static int fail(const char *what)
{
    fprintf(stderr, "first-stage-mount: %s\n", what);
    return -1;
}

static int read_at(int fd, uint64_t offset, uint8_t *buffer, size_t length)
{
    for (size_t done = 0; done < length;) {
        ssize_t n = pread(fd, buffer + done, length - done, (off_t)(offset + done));
        if (n <= 0)
            return -1;
        done += (size_t)n;
    }
    return 0;
}

/* The SHA-256 of `length` bytes with the 32-byte checksum field at `field` taken as zeros equals that field. */
static int checksum_matches(const uint8_t *bytes, size_t length, size_t field)
{
    uint8_t *copy = malloc(length), digest[32];
    if (copy == NULL)
        return 0;
    memcpy(copy, bytes, length);
    memset(copy + field, 0, 32);
    sha256(copy, length, digest);
    free(copy);
    return memcmp(digest, bytes + field, 32) == 0;
}

static int parse_geometry(int fd, uint64_t offset, struct geometry *out)
{
    uint8_t g[GEOMETRY_STRUCT_SIZE];
    if (read_at(fd, offset, g, sizeof g) != 0 || u32(g) != GEOMETRY_MAGIC || u32(g + 4) != GEOMETRY_STRUCT_SIZE
        || !checksum_matches(g, sizeof g, 8))
        return -1;
    out->metadata_max_size = u32(g + 40);
    out->slot_count = u32(g + 44);
    if (out->metadata_max_size == 0 || out->metadata_max_size % 512 != 0 || out->metadata_max_size > MAX_METADATA_SIZE
        || out->slot_count == 0 || out->slot_count > 8)
        return -1;
    return 0;
}

static int parse_table(const uint8_t *header, size_t at, uint32_t tables_size, uint32_t entry_size, struct table *out)
{
    out->offset = u32(header + at);
    out->count = u32(header + at + 4);
    out->entry_size = u32(header + at + 8);
    uint64_t bytes = (uint64_t)out->count * out->entry_size;
    return out->entry_size == entry_size && out->offset <= tables_size && bytes <= tables_size - out->offset ? 0 : -1;
}

/* One metadata copy at `offset`: header and tables checked (magic, version 10.0-10.2, sizes, both checksums, bounds). */
static int parse_metadata(int fd, uint64_t offset, const struct geometry *g, struct metadata *out)
{
    uint8_t *m = malloc(g->metadata_max_size);
    if (m == NULL || read_at(fd, offset, m, g->metadata_max_size) != 0)
        goto bad;
    uint16_t major = u16(m + 4), minor = u16(m + 6);
    uint32_t header_size = u32(m + 8), tables_size = u32(m + 44);
    if (u32(m) != HEADER_MAGIC || major != 10 || minor > 2 || header_size != (minor == 2 ? 256u : 128u)
        || tables_size > g->metadata_max_size - header_size || !checksum_matches(m, header_size, 12))
        goto bad;
    uint8_t digest[32];
    sha256(m + header_size, tables_size, digest);
    if (memcmp(digest, m + 48, 32) != 0 || parse_table(m, 80, tables_size, PARTITION_ENTRY_SIZE, &out->partitions) != 0
        || parse_table(m, 92, tables_size, EXTENT_ENTRY_SIZE, &out->extents) != 0)
        goto bad;
    out->bytes = m;
    out->header_size = header_size;
    return 0;
bad:
    free(m);
    return -1;
}

static int read_super(int fd, uint32_t slot, struct metadata *out)
{
    struct geometry g;
    if (parse_geometry(fd, RESERVED_BYTES, &g) != 0 && parse_geometry(fd, RESERVED_BYTES + GEOMETRY_SIZE, &g) != 0)
        return fail("no valid liblp geometry at 4096 or 8192");
    if (slot >= g.slot_count)
        return fail("the metadata has no such slot");
    uint64_t area = RESERVED_BYTES + 2 * GEOMETRY_SIZE;
    if (parse_metadata(fd, area + (uint64_t)g.metadata_max_size * slot, &g, out) == 0)
        return 0;
    fprintf(stderr, "first-stage-mount: slot %u primary metadata invalid; reading its backup\n", slot);
    if (parse_metadata(fd, area + (uint64_t)g.metadata_max_size * (g.slot_count + slot), &g, out) == 0)
        return 0;
    return fail("neither metadata copy of the slot is valid");
}

static const uint8_t *find_partition(const struct metadata *m, const char *name)
{
    const uint8_t *tables = m->bytes + m->header_size;
    for (uint32_t i = 0; i < m->partitions.count; i++) {
        const uint8_t *entry = tables + m->partitions.offset + (size_t)i * PARTITION_ENTRY_SIZE;
        if (strnlen((const char *)entry, NAME_SIZE) == strlen(name) && memcmp(entry, name, strlen(name)) == 0)
            return entry;
    }
    return NULL;
}

/* Appends one DM target (a dm_target_spec and its parameter string, 8-byte aligned) at `*used` in `buffer`. */
static int add_target(uint8_t *buffer, size_t capacity, size_t *used, uint64_t start, uint64_t length, const char *type, const char *params)
{
    size_t size = (sizeof(struct dm_target_spec) + strlen(params) + 1 + 7) & ~(size_t)7;
    if (*used + size > capacity)
        return -1;
    struct dm_target_spec *spec = (struct dm_target_spec *)(buffer + *used);
    memset(spec, 0, size);
    spec->sector_start = start;
    spec->length = length;
    snprintf(spec->target_type, sizeof spec->target_type, "%s", type);
    strcpy((char *)(spec + 1), params);
    spec->next = (uint32_t)size;
    *used += size;
    return 0;
}

static void init_io(struct dm_ioctl *io, size_t size, const char *name)
{
    memset(io, 0, sizeof *io);
    io->version[0] = DM_VERSION_MAJOR;
    io->data_size = (uint32_t)size;
    io->data_start = sizeof *io;
    snprintf(io->name, sizeof io->name, "%s", name);
}

/* DM_DEV_CREATE, DM_TABLE_LOAD, then DM_DEV_SUSPEND without the suspend flag (a resume), which makes the table live;
 * with table_only, the table is only built and printed. */
static int map_partition(int control, const struct metadata *m, const char *super, const char *name, int table_only)
{
    const uint8_t *p = find_partition(m, name);
    if (p == NULL)
        return fail("no such partition in the metadata");
    uint32_t first = u32(p + 40), count = u32(p + 44);
    int readonly = (u32(p + 36) & PARTITION_ATTR_READONLY) != 0;
    if (count == 0 || count > MAX_TARGETS || first > m->extents.count || count > m->extents.count - first)
        return fail("the partition's extents lie outside the extent table");
    static uint64_t buffer[8192];
    struct dm_ioctl *io = (struct dm_ioctl *)buffer;
    init_io(io, sizeof buffer, name);
    if (!table_only && ioctl(control, DM_DEV_CREATE, io) != 0)
        return fail(strerror(errno));

    char description[4096] = "", params[PATH_MAX + 32];
    size_t used = sizeof *io, described = 0;
    uint64_t sector = 0;
    init_io(io, sizeof buffer, name);
    io->flags = readonly ? DM_READONLY_FLAG : 0;
    for (uint32_t i = 0; i < count; i++) {
        const uint8_t *e = m->bytes + m->header_size + m->extents.offset + (size_t)(first + i) * EXTENT_ENTRY_SIZE;
        uint64_t length = u64(e), target = u64(e + 12);
        uint32_t type = u32(e + 8);
        if ((type == TARGET_LINEAR && u32(e + 20) != 0) || (type != TARGET_LINEAR && type != TARGET_ZERO))
            return fail("an extent on another block device than super, or of an unknown type");
        if (type == TARGET_LINEAR)
            snprintf(params, sizeof params, "%s %llu", super, (unsigned long long)target);
        else
            params[0] = '\0';
        if (add_target((uint8_t *)buffer, sizeof buffer, &used, sector, length, type == TARGET_LINEAR ? "linear" : "zero", params) != 0)
            return fail("the table does not fit");
        described += (size_t)snprintf(description + described, sizeof description - described, "%s%llu %llu %s %s",
            i ? "; " : "", (unsigned long long)sector, (unsigned long long)length, type == TARGET_LINEAR ? "linear" : "zero", params);
        if (described >= sizeof description)
            return fail("the table is too long to print");
        io->target_count++;
        sector += length;
    }
    if (table_only) {
        printf("%s: table: %s\n", name, description);
        return 0;
    }
    io->data_size = (uint32_t)used;
    if (ioctl(control, DM_TABLE_LOAD, io) != 0)
        return fail(strerror(errno));
    init_io(io, sizeof buffer, name);
    if (ioctl(control, DM_DEV_SUSPEND, io) != 0)
        return fail(strerror(errno));

    char node[64], link[64 + NAME_SIZE];
    snprintf(node, sizeof node, "/dev/dm-%u", minor(io->dev));
    snprintf(link, sizeof link, "/dev/block/mapper/%s", name);
    mkdir("/dev/block", 0755);
    mkdir("/dev/block/mapper", 0755);
    unlink(link);
    if (symlink(node, link) != 0)
        return fail(strerror(errno));
    printf("%s: %s -> %s (%s), table: %s\n", name, link, node, readonly ? "read-only" : "read-write", description);
    return 0;
}

int main(int argc, char **argv)
{
    int table_only = argc > 1 && strcmp(argv[1], "--table") == 0;
    argv += table_only;
    argc -= table_only;
    if (argc < 4) {
        fprintf(stderr, "usage: first-stage-mount [--table] SUPER_DEVICE SLOT PARTITION...\n");
        return 2;
    }
    char super[PATH_MAX];
    int fd = realpath(argv[1], super) != NULL ? open(super, O_RDONLY | O_CLOEXEC) : -1;
    int control = table_only ? -1 : open("/dev/mapper/control", O_RDWR | O_CLOEXEC);
    if (fd < 0 || (control < 0 && !table_only)) {
        fail(fd < 0 ? "cannot open the super device" : "cannot open /dev/mapper/control (is dm-mod loaded?)");
        return 1;
    }
    struct metadata m;
    if (read_super(fd, (uint32_t)strtoul(argv[2], NULL, 10), &m) != 0)
        return 1;
    for (int i = 3; i < argc; i++) {
        if (map_partition(control, &m, super, argv[i], table_only) != 0) {
            fprintf(stderr, "first-stage-mount: mapping %s failed\n", argv[i]);
            return 1;
        }
    }
    return 0;
}
