/* SHA-256 (FIPS 180-4), enough for liblp's checksums: one call over a buffer held in memory. */
#ifndef FIRST_STAGE_SHA256_H
#define FIRST_STAGE_SHA256_H

#include <stddef.h>
#include <stdint.h>

void sha256(const uint8_t *data, size_t length, uint8_t digest[32]);

#endif
