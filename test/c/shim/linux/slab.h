#ifndef SHIM_LINUX_SLAB_H
#define SHIM_LINUX_SLAB_H
#include <stdlib.h>
#define GFP_KERNEL 0
static inline void *kvzalloc(size_t n, int gfp) { (void)gfp; return calloc(1, n ? n : 1); }
static inline void *kvmalloc(size_t n, int gfp) { (void)gfp; return malloc(n ? n : 1); }
static inline void kvfree(const void *p) { free((void *)p); }
#endif
