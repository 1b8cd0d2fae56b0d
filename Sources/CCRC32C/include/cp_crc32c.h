// cp_crc32c: the CPU's own CRC-32C instruction (SSE 4.2 on x86-64), for the journal's record
// checksums. The caller checks cp_crc32c_hardware() once and keeps a table-driven fallback.
#ifndef CP_CRC32C_H
#define CP_CRC32C_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// 1 when this CPU has a CRC-32C instruction that cp_crc32c_update uses, else 0.
int cp_crc32c_hardware(void);

/// Runs the CRC-32C register `crc` over `count` bytes at `bytes`, with no pre- or
/// post-inversion (the caller inverts). Only call it when cp_crc32c_hardware() returned 1.
uint32_t cp_crc32c_update(uint32_t crc, const void *bytes, size_t count);

#ifdef __cplusplus
}
#endif

#endif
