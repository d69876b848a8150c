// SPDX-License-Identifier: MIT
/*
 * runtime/c/ukernel's ___ratelimit on a struct ratelimit_state laid out as the kernel's (the
 * offsets mdidl_ukernel.h names, which test/c/ulayout.test.ts checks against the installed
 * kernel with kbuild): `burst` messages pass per interval, then none until the interval is over,
 * and the first message after it reports how many were held back.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include "mdidl_ukernel.h"

int ___ratelimit(void *rs, const char *func);
void msleep(unsigned int msecs);
extern volatile unsigned long jiffies;

static char last[256];
static int lines;

static void sink(int level, const char *line)
{
	(void)level;
	snprintf(last, sizeof(last), "%s", line);
	lines++;
}

#define WORD(type, off) (*(type *)(state + (off)))

int main(void)
{
	_Alignas(8) char state[40];
	int passed = 0, i;

	memset(state, 0, sizeof(state));
	mdl_uk_set_sink(sink);
	WORD(int, MDL_UK_RATELIMIT_INTERVAL) = 2; /* jiffies */
	WORD(int, MDL_UK_RATELIMIT_BURST) = 3;
	for (i = 0; i < 10; i++)
		passed += ___ratelimit(state, "rl");
	printf("%s burst\n", passed == 3 && WORD(int, MDL_UK_RATELIMIT_MISSED) == 7 ? "ok" : "FAIL");
	printf("%s lock-released\n", WORD(uint32_t, 0) == 0 ? "ok" : "FAIL");
	/* Past the interval: the next message passes and the held-back ones are counted in one line. */
	for (unsigned long start = jiffies; jiffies - start < 4;)
		msleep(5);
	passed = ___ratelimit(state, "rl");
	printf("%s next-interval\n", passed == 1 && WORD(int, MDL_UK_RATELIMIT_MISSED) == 0 && WORD(int, MDL_UK_RATELIMIT_PRINTED) == 1 ? "ok" : "FAIL");
	printf("%s suppressed-line: %s\n", lines == 1 && strstr(last, "rl: 7 callbacks suppressed") ? "ok" : "FAIL", last);
	WORD(int, MDL_UK_RATELIMIT_INTERVAL) = 0;
	printf("%s no-interval\n", ___ratelimit(state, "rl") == 1 ? "ok" : "FAIL");
	return 0;
}
