/* SPDX-License-Identifier: MIT */
/*
 * mdidl_platform.h - the few services the channel and object tables need from their host:
 * zeroed allocation, a sleeping lock, a flag with acquire and release ordering, the identity of the
 * running thread, a log line.
 *
 * Kernel flavour (__KERNEL__): kvzalloc/kvfree (a message may be large, and the channel only
 * ever runs where it may sleep), struct mutex, current. User flavour: calloc/free, pthreads.
 * The kernel flavour also builds in user space against test/c/shim/, which implements these
 * kernel APIs with libc, so the sanitizer tests run the kernel's code path; and from kbuild's
 * preprocessed unit into a u-driver (-DMDL_UKERNEL), where runtime/c/ukernel provides them.
 */
#ifndef MDIDL_PLATFORM_H
#define MDIDL_PLATFORM_H

#include "mdidl_types.h"

#ifdef __KERNEL__

/*
 * The generated code includes this header too, so it pulls in as little as it can: every kernel
 * header is a chance for one of the IDL's struct names to collide with the kernel's. Only the
 * channel's implementation (mdidl_rpc.c) gets the allocation and thread services.
 */
#include <linux/mutex.h>
#include <linux/string.h>

typedef struct mutex mdl_mutex_t;
typedef const void *mdl_thread_t;

#ifdef MDIDL_RPC_IMPL
#include <linux/atomic.h>
#include <linux/kernel.h>
#include <linux/printk.h>
#include <linux/slab.h>
#include <asm/current.h>

static inline void *mdl_zalloc(size_t n)
{
	return kvzalloc(n, GFP_KERNEL);
}

/* Not zeroed: only for message buffers, whose every byte sent is written first (mdidl_wire.h). */
static inline void *mdl_alloc(size_t n)
{
	return kvmalloc(n, GFP_KERNEL);
}

static inline void mdl_free(void *p)
{
	kvfree(p);
}

#define mdl_mutex_init(m) mutex_init(m)
#define mdl_mutex_destroy(m) mutex_destroy(m)
#define mdl_mutex_lock(m) mutex_lock(m)
#define mdl_mutex_unlock(m) mutex_unlock(m)
#define mdl_mutex_trylock(m) (mutex_trylock(m) == 1)

/* A flag one thread clears without a lock, for others to read under one (mdl_chan.serve_busy). */
#define mdl_load_acquire(p) smp_load_acquire(p)
#define mdl_store_release(p, v) smp_store_release((p), (v))

#ifdef MDL_UKERNEL
/*
 * Built from kbuild's preprocessed unit into a u-driver (runtime/c/ukernel): `current` there is
 * one word for every thread (the per-CPU read goes through a GS base of 0), so the identity the
 * call lock needs comes from the library.
 */
const void *mdl_uk_thread_self(void);
static inline mdl_thread_t mdl_thread_self(void)
{
	return mdl_uk_thread_self();
}
#else
static inline mdl_thread_t mdl_thread_self(void)
{
	return current;
}
#endif
#define mdl_thread_equal(a, b) ((a) == (b))

#define mdl_might_sleep() might_sleep()
#define mdl_log(fmt, ...) pr_warn_ratelimited("mdidl: " fmt "\n", ##__VA_ARGS__)
#endif /* MDIDL_RPC_IMPL */

#else /* user flavour */

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static inline void *mdl_zalloc(size_t n)
{
	return calloc(1, n ? n : 1);
}

/* Not zeroed: only for message buffers, whose every byte sent is written first (mdidl_wire.h). */
static inline void *mdl_alloc(size_t n)
{
	return malloc(n ? n : 1);
}

static inline void mdl_free(void *p)
{
	free(p);
}

typedef pthread_mutex_t mdl_mutex_t;
#define mdl_mutex_init(m) pthread_mutex_init((m), NULL)
#define mdl_mutex_destroy(m) pthread_mutex_destroy(m)
#define mdl_mutex_lock(m) pthread_mutex_lock(m)
#define mdl_mutex_unlock(m) pthread_mutex_unlock(m)
#define mdl_mutex_trylock(m) (pthread_mutex_trylock(m) == 0)

#define mdl_load_acquire(p) __atomic_load_n((p), __ATOMIC_ACQUIRE)
#define mdl_store_release(p, v) __atomic_store_n((p), (v), __ATOMIC_RELEASE)

typedef pthread_t mdl_thread_t;
static inline mdl_thread_t mdl_thread_self(void)
{
	return pthread_self();
}
#define mdl_thread_equal(a, b) pthread_equal((a), (b))

#define mdl_might_sleep() do { } while (0)
#ifdef MDL_QUIET
#define mdl_log(fmt, ...) do { } while (0)
#else
#define mdl_log(fmt, ...) fprintf(stderr, "mdidl: " fmt "\n", ##__VA_ARGS__)
#endif

#endif /* __KERNEL__ */

#endif /* MDIDL_PLATFORM_H */
