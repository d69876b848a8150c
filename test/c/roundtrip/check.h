/*
 * What the round-trip tests need from where they run: a check that counts instead of aborting,
 * a log line, allocation. User space (test/c/roundtrip.test.ts, including the kernel flavour on
 * the shim) or a real kernel module (test/qemu/roundtrip.test.ts; kbuild defines MODULE).
 */
#ifndef RT_CHECK_H
#define RT_CHECK_H

#ifdef MODULE
#include <linux/printk.h>
#include <linux/sched.h>
#include <linux/slab.h>
#define RT_LOG(...) pr_info(__VA_ARGS__)
#define RT_FAIL(...) pr_err(__VA_ARGS__)
#define RT_ALLOC(n) kvmalloc((n), GFP_KERNEL)
#define RT_FREE(p) kvfree(p)
#define RT_YIELD() cond_resched()
#else
#include <stdio.h>
#include <stdlib.h>
#define RT_LOG(...) (printf(__VA_ARGS__), fflush(stdout))
#define RT_FAIL(...) (printf(__VA_ARGS__), fflush(stdout))
#define RT_ALLOC(n) malloc(n)
#define RT_FREE(p) free(p)
#define RT_YIELD() do { } while (0)
#endif

static int rt_checks, rt_failures;
#define CHECK(cond, what)                                                                  \
	do {                                                                               \
		if (cond) {                                                                \
			rt_checks++;                                                       \
		} else {                                                                   \
			rt_failures++;                                                     \
			RT_FAIL("FAIL %s:%d: %s\n", __FILE__, __LINE__, what);             \
		}                                                                          \
	} while (0)
#endif
