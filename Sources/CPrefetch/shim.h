#ifndef CASEPULSE_CPREFETCH_SHIM_H
#define CASEPULSE_CPREFETCH_SHIM_H
// Cache hints for the engine's hot path: Swift has no prefetch of its own. Each asks the CPU to
// start loading the cache line at `address` and returns at once; a hint never faults, whatever the
// address, and changes no result, only when the line arrives.

/// Starts loading the line at `address` into every cache level, for a write soon.
static inline __attribute__((always_inline)) void cp_prefetch_write(const void *address) {
    __builtin_prefetch(address, 1, 3);
}

/// Starts loading the line at `address` into every cache level, for a read soon.
static inline __attribute__((always_inline)) void cp_prefetch_read(const void *address) {
    __builtin_prefetch(address, 0, 3);
}

#endif
