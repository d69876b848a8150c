/* Shared by both sides of the round-trip test: a check that counts instead of aborting. */
#ifndef RT_CHECK_H
#define RT_CHECK_H
#include <stdio.h>
static int rt_checks, rt_failures;
#define CHECK(cond, what)                                                                  \
	do {                                                                               \
		if (cond) {                                                                \
			rt_checks++;                                                       \
		} else {                                                                   \
			rt_failures++;                                                     \
			printf("FAIL %s:%d: %s\n", __FILE__, __LINE__, what);              \
			fflush(stdout);                                                    \
		}                                                                          \
	} while (0)
#endif
