#ifndef CASEPULSE_CMALLOC_SHIM_H
#define CASEPULSE_CMALLOC_SHIM_H
// glibc's allocator controls (malloc_trim); Swift's Glibc module leaves <malloc.h> out.
#if defined(__linux__)
#include <malloc.h>
#endif
#endif
