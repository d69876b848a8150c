/* SPDX-License-Identifier: MIT */
/*
 * mdidl_ukernel.c - kernel services for a u-driver, in user mode (see mdidl_ukernel.h).
 *
 * Every function here has the name and the x86-64 calling convention of the Linux 6.1 symbol the
 * driver's object code calls; the parameter types are spelled with C's own types (a kernel
 * `gfp_t` is an unsigned int, a `raw_spinlock_t *` a pointer to its 32-bit word). Build the driver's
 * code and this file with -fno-pie: the kernel's per-CPU accessors address symbols through %gs,
 * and with the user-mode GS base of 0 they read this file's variables of the same names.
 */
#define _GNU_SOURCE
#include "mdidl_ukernel.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/io.h>
#include <sys/mman.h>
#include <time.h>

/* ---- messages ------------------------------------------------------------------------------- */

struct out {
	char *buf;
	size_t size;
	size_t len; /* what would have been written */
};

static void put(struct out *o, const char *s, size_t n)
{
	if (o->len < o->size) {
		size_t room = o->size - 1 - o->len;
		memcpy(o->buf + o->len, s, n < room ? n : room);
	}
	o->len += n;
	if (o->size)
		o->buf[o->len < o->size ? o->len : o->size - 1] = '\0';
}

static void puts_(struct out *o, const char *s)
{
	put(o, s, strlen(s));
}

/* The kernel's struct va_format, what %pV prints. */
struct mdl_va_format {
	const char *fmt;
	va_list *va;
};

static void format_pointer(struct out *o, const char *ext, const void *p, int depth)
{
	char tmp[64];
	const unsigned char *b = p;

	if (*ext != '\0' && !p && *ext != 'e') {
		puts_(o, "(null)");
		return;
	}
	switch (*ext) {
	case 'M':
	case 'm': {
		const char *sep = *ext == 'm' ? "" : (ext[1] == 'F' ? "-" : ":");
		int reverse = ext[1] == 'R';
		for (int i = 0; i < 6; i++) {
			snprintf(tmp, sizeof(tmp), "%s%02x", i ? sep : "", b[reverse ? 5 - i : i]);
			puts_(o, tmp);
		}
		return;
	}
	case 'I':
	case 'i':
		if (ext[1] == '4') {
			snprintf(tmp, sizeof(tmp), *ext == 'i' ? "%03u.%03u.%03u.%03u" : "%u.%u.%u.%u", b[0], b[1], b[2], b[3]);
			puts_(o, tmp);
			return;
		}
		break;
	case 'V': {
		const struct mdl_va_format *vf = p;
		va_list ap;
		/* One level: a %pV inside a %pV prints its format, not another expansion. */
		if (depth > 0) {
			puts_(o, vf->fmt);
			return;
		}
		va_copy(ap, *vf->va);
		size_t room = o->len < o->size ? o->size - o->len : 0;
		int n = mdl_uk_vformat(room ? o->buf + o->len : NULL, room, vf->fmt, ap);
		va_end(ap);
		o->len += n > 0 ? (size_t)n : 0;
		return;
	}
	case 'e':
		snprintf(tmp, sizeof(tmp), "error %ld", (long)(intptr_t)p);
		puts_(o, tmp);
		return;
	default:
		break;
	}
	snprintf(tmp, sizeof(tmp), "%p", p);
	puts_(o, tmp);
}

static int vformat(char *buf, size_t size, const char *fmt, va_list ap, int depth)
{
	struct out o = { buf, size, 0 };
	const char *f = fmt;

	if (size)
		buf[0] = '\0';
	while (*f) {
		const char *pct = strchr(f, '%');
		if (!pct) {
			puts_(&o, f);
			break;
		}
		put(&o, f, (size_t)(pct - f));
		f = pct + 1;
		if (*f == '%') {
			put(&o, "%", 1);
			f++;
			continue;
		}
		/* The C conversion spec, rebuilt with the argument taken at its own type. */
		char spec[32];
		size_t sl = 0;
		spec[sl++] = '%';
		while (*f && strchr("-+ #0", *f) && sl < 8)
			spec[sl++] = *f++;
		int width = -1, prec = -1;
		if (*f == '*') {
			width = va_arg(ap, int);
			f++;
		} else {
			for (width = 0; *f >= '0' && *f <= '9'; f++)
				width = width < 1000 ? width * 10 + (*f - '0') : width;
		}
		if (*f == '.') {
			f++;
			if (*f == '*') {
				prec = va_arg(ap, int);
				f++;
			} else {
				for (prec = 0; *f >= '0' && *f <= '9'; f++)
					prec = prec < 1000 ? prec * 10 + (*f - '0') : prec;
			}
		}
		if (width > 256)
			width = 256;
		if (prec > 256 && *f != 's')
			prec = 256;
		if (width > 0)
			sl += (size_t)snprintf(spec + sl, sizeof(spec) - sl, "%d", width);
		if (prec >= 0)
			sl += (size_t)snprintf(spec + sl, sizeof(spec) - sl, ".%d", prec);
		char len[3] = "";
		if (*f == 'h' || *f == 'l') {
			len[0] = *f++;
			if (*f == len[0])
				len[1] = *f++;
		} else if (*f == 'z' || *f == 't' || *f == 'j' || *f == 'L') {
			len[0] = *f++;
		}
		char conv = *f;
		if (conv)
			f++;
		char tmp[300];
		switch (conv) {
		case 'd':
		case 'i':
		case 'u':
		case 'x':
		case 'X':
		case 'o': {
			/* The length becomes ll for every 64-bit kind, so the spec needs only one type each. */
			int wide = len[0] == 'l' || len[0] == 'z' || len[0] == 't' || len[0] == 'j';
			memcpy(spec + sl, wide ? "ll" : "", wide ? 2 : 0);
			sl += wide ? 2 : 0;
			spec[sl++] = conv;
			spec[sl] = '\0';
			int is_signed = conv == 'd' || conv == 'i';
			if (wide && is_signed)
				snprintf(tmp, sizeof(tmp), spec, (long long)va_arg(ap, long long));
			else if (wide)
				snprintf(tmp, sizeof(tmp), spec, (unsigned long long)va_arg(ap, unsigned long long));
			else if (is_signed) {
				int v = va_arg(ap, int);
				if (len[0] == 'h')
					v = len[1] == 'h' ? (signed char)v : (short)v;
				snprintf(tmp, sizeof(tmp), spec, v);
			} else {
				unsigned v = va_arg(ap, unsigned);
				if (len[0] == 'h')
					v = len[1] == 'h' ? (unsigned char)v : (unsigned short)v;
				snprintf(tmp, sizeof(tmp), spec, v);
			}
			puts_(&o, tmp);
			break;
		}
		case 'c':
			spec[sl++] = 'c';
			spec[sl] = '\0';
			snprintf(tmp, sizeof(tmp), spec, va_arg(ap, int));
			puts_(&o, tmp);
			break;
		case 's': {
			const char *s = va_arg(ap, const char *);
			if (!s)
				s = "(null)";
			size_t n = strnlen(s, prec >= 0 ? (size_t)prec : SIZE_MAX);
			int left = memchr(spec, '-', sl) != NULL;
			size_t pad = width > 0 && (size_t)width > n ? (size_t)width - n : 0;
			for (size_t i = 0; !left && i < pad; i++)
				put(&o, " ", 1);
			put(&o, s, n);
			for (size_t i = 0; left && i < pad; i++)
				put(&o, " ", 1);
			break;
		}
		case 'p': {
			const void *p = va_arg(ap, const void *);
			format_pointer(&o, f, p, depth);
			/* As the kernel does: every letter or digit after %p belongs to the pointer's format. */
			while ((*f >= 'a' && *f <= 'z') || (*f >= 'A' && *f <= 'Z') || (*f >= '0' && *f <= '9'))
				f++;
			break;
		}
		case '\0':
			break;
		default:
			/* Unknown conversion: printed as written, no argument taken (the kernel warns and stops). */
			put(&o, pct, (size_t)(f - pct));
			break;
		}
	}
	return o.len > INT32_MAX ? INT32_MAX : (int)o.len;
}

int mdl_uk_vformat(char *buf, size_t size, const char *fmt, va_list ap)
{
	return vformat(buf, size, fmt, ap, 0);
}

static void stderr_sink(int level, const char *line)
{
	fprintf(stderr, "<%d>%s\n", level, line);
}

static mdl_uk_sink sink = stderr_sink;

void mdl_uk_set_sink(mdl_uk_sink s)
{
	sink = s ? s : stderr_sink;
}

#define DEFAULT_LEVEL 4 /* the kernel's MESSAGE_LOGLEVEL_DEFAULT */

/* One message: a KERN_<LEVEL> prefix ("\001" + digit) chooses the level; lines go out one by one. */
static void emit(int level, const char *prefix, const char *fmt, va_list ap)
{
	char msg[1024];
	size_t pl = strlen(prefix);

	while (fmt[0] == '\001' && fmt[1]) {
		if (fmt[1] >= '0' && fmt[1] <= '7')
			level = fmt[1] - '0';
		fmt += 2;
	}
	memcpy(msg, prefix, pl + 1);
	mdl_uk_vformat(msg + pl, sizeof(msg) - pl, fmt, ap);
	char *line = msg;
	for (char *nl; (nl = strchr(line, '\n')); line = nl + 1) {
		*nl = '\0';
		sink(level, line);
	}
	if (*line)
		sink(level, line);
}

int _printk(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	emit(DEFAULT_LEVEL, "", fmt, ap);
	va_end(ap);
	return 0;
}

void __warn_printk(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	emit(4, "WARNING: ", fmt, ap);
	va_end(ap);
}

/*
 * dev_*() and netdev_*(): the kernel prefixes the device's name, which lives in structs this library
 * does not see; the u-driver's messages say where they come from instead.
 */
#define LEVEL_PRINTER(name, level, obj)                                  \
	void name(const void *obj, const char *fmt, ...)                 \
	{                                                                \
		va_list ap;                                              \
		(void)obj;                                               \
		va_start(ap, fmt);                                       \
		emit(level, "u-driver: ", fmt, ap);                      \
		va_end(ap);                                              \
	}

LEVEL_PRINTER(_dev_emerg, 0, dev)
LEVEL_PRINTER(_dev_alert, 1, dev)
LEVEL_PRINTER(_dev_crit, 2, dev)
LEVEL_PRINTER(_dev_err, 3, dev)
LEVEL_PRINTER(_dev_warn, 4, dev)
LEVEL_PRINTER(_dev_notice, 5, dev)
LEVEL_PRINTER(_dev_info, 6, dev)
LEVEL_PRINTER(netdev_emerg, 0, ndev)
LEVEL_PRINTER(netdev_alert, 1, ndev)
LEVEL_PRINTER(netdev_crit, 2, ndev)
LEVEL_PRINTER(netdev_err, 3, ndev)
LEVEL_PRINTER(netdev_warn, 4, ndev)
LEVEL_PRINTER(netdev_notice, 5, ndev)
LEVEL_PRINTER(netdev_info, 6, ndev)

/*
 * Dynamic debug is off unless enabled at run time; a u-driver has no control file for it, so the
 * environment turns all of it on: MDL_UK_DEBUG=1 (debugging a u-driver is running it).
 */
static int debug_on(void)
{
	static int on = -1;

	if (on < 0) {
		const char *v = getenv("MDL_UK_DEBUG");
		on = v && *v && strcmp(v, "0") != 0;
	}
	return on;
}

void __dynamic_pr_debug(void *descriptor, const char *fmt, ...)
{
	va_list ap;
	(void)descriptor;
	if (!debug_on())
		return;
	va_start(ap, fmt);
	emit(7, "debug: ", fmt, ap);
	va_end(ap);
}

void __dynamic_dev_dbg(void *descriptor, const void *dev, const char *fmt, ...)
{
	va_list ap;
	(void)descriptor;
	(void)dev;
	if (!debug_on())
		return;
	va_start(ap, fmt);
	emit(7, "u-driver: debug: ", fmt, ap);
	va_end(ap);
}

void __dynamic_netdev_dbg(void *descriptor, const void *ndev, const char *fmt, ...)
{
	va_list ap;
	(void)descriptor;
	(void)ndev;
	if (!debug_on())
		return;
	va_start(ap, fmt);
	emit(7, "u-driver: debug: ", fmt, ap);
	va_end(ap);
}

/*
 * print_hex_dump(): the kernel's layout (lib/hexdump.c): rows of rowsize bytes (16 or 32), in
 * groups of groupsize bytes (1, 2, 4 or 8, each printed as a native-endian number; 1 when len is
 * no multiple of it), after the prefix and the row's address or offset, then the bytes as ASCII
 * ('.' for what does not print) from the column the row's full hex would end at.
 */
enum { MDL_UK_DUMP_PREFIX_NONE, MDL_UK_DUMP_PREFIX_ADDRESS, MDL_UK_DUMP_PREFIX_OFFSET };

static void emitf(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void emitf(int level, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	emit(level, "", fmt, ap);
	va_end(ap);
}

void print_hex_dump(const char *level, const char *prefix_str, int prefix_type, int rowsize,
		    int groupsize, const void *buf, size_t len, _Bool ascii)
{
	const uint8_t *p = buf;
	char line[32 * 3 + 2 + 32 + 1];
	int lvl = DEFAULT_LEVEL;

	for (; level && level[0] == '\001' && level[1]; level += 2)
		if (level[1] >= '0' && level[1] <= '7')
			lvl = level[1] - '0';

	if (rowsize != 16 && rowsize != 32)
		rowsize = 16;
	if (groupsize != 1 && groupsize != 2 && groupsize != 4 && groupsize != 8)
		groupsize = 1;
	if (len % (size_t)groupsize)
		groupsize = 1;
	for (size_t i = 0; i < len; i += (size_t)rowsize) {
		size_t n = len - i < (size_t)rowsize ? len - i : (size_t)rowsize;
		size_t lx = 0;
		size_t ascii_column = (size_t)rowsize * 2 + (size_t)(rowsize / groupsize) + 1;

		for (size_t j = 0; j < n; j += (size_t)groupsize) {
			uint64_t v = 0;

			memcpy(&v, p + i + j, (size_t)groupsize); /* little-endian: the low bytes */
			lx += (size_t)snprintf(line + lx, sizeof(line) - lx, "%s%0*llx", j ? " " : "",
					       groupsize * 2, (unsigned long long)v);
		}
		if (ascii) {
			while (lx < ascii_column && lx < sizeof(line) - 1)
				line[lx++] = ' ';
			for (size_t j = 0; j < n && lx < sizeof(line) - 1; j++) {
				uint8_t c = p[i + j];
				line[lx++] = c >= 0x20 && c < 0x7f ? (char)c : '.';
			}
		}
		line[lx] = '\0';
		if (prefix_type == MDL_UK_DUMP_PREFIX_ADDRESS)
			emitf(lvl, "%s%p: %s\n", prefix_str, (const void *)(p + i), line);
		else if (prefix_type == MDL_UK_DUMP_PREFIX_OFFSET)
			emitf(lvl, "%s%.8zx: %s\n", prefix_str, i, line);
		else
			emitf(lvl, "%s%s\n", prefix_str, line);
	}
}

/*
 * A fortified string function found its buffer too small (the kernel's BUG()): the u-driver stops
 * here, as the kernel would stop the task, rather than run on with memory it has overwritten.
 */
void fortify_panic(const char *name)
{
	_printk("\0010detected buffer overflow in %s\n", name);
	abort();
}

/* ---- time ----------------------------------------------------------------------------------- */

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void sleep_ns(uint64_t ns)
{
	struct timespec ts = { (time_t)(ns / 1000000000u), (long)(ns % 1000000000u) };
	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

/* udelay busy-waits in the kernel; here only short waits spin, longer ones give the CPU back. */
static void delay_ns(uint64_t ns)
{
	if (ns >= 50000) {
		sleep_ns(ns);
		return;
	}
	uint64_t end = now_ns() + ns;
	while (now_ns() < end)
		__builtin_ia32_pause();
}

void __udelay(unsigned long usecs)
{
	delay_ns((uint64_t)usecs * 1000u);
}

void __ndelay(unsigned long nsecs)
{
	delay_ns(nsecs);
}

/* udelay(n) with a constant n arrives here as n * 2^32 / 10^6 (ndelay: n * 5), as on x86. */
void __const_udelay(unsigned long xloops)
{
	delay_ns((uint64_t)(((unsigned __int128)xloops * 1000000000u) >> 32));
}

void msleep(unsigned int msecs)
{
	sleep_ns((uint64_t)msecs * 1000000u);
}

unsigned long msleep_interruptible(unsigned int msecs)
{
	msleep(msecs);
	return 0;
}

void usleep_range_state(unsigned long min, unsigned long max, unsigned int state)
{
	(void)max;
	(void)state;
	sleep_ns((uint64_t)min * 1000u);
}

/* jiffies is a variable the driver reads directly, so a thread advances it at MDL_HZ. */
volatile unsigned long jiffies __attribute__((aligned(64)));
uint64_t jiffies_64;

static unsigned long ticks_now(void)
{
	return (unsigned long)(now_ns() / (1000000000u / MDL_HZ));
}

static void *ticker(void *arg)
{
	(void)arg;
	for (;;) {
		sleep_ns(1000000000u / MDL_HZ);
		jiffies = ticks_now();
		jiffies_64 = jiffies;
	}
	return NULL;
}

__attribute__((constructor)) static void start_ticker(void)
{
	pthread_t t;
	pthread_attr_t a;

	jiffies = ticks_now();
	jiffies_64 = jiffies;
	pthread_attr_init(&a);
	pthread_attr_setdetachstate(&a, PTHREAD_CREATE_DETACHED);
	if (pthread_create(&t, &a, ticker, NULL)) {
		fprintf(stderr, "mdidl u-driver: cannot start the jiffies thread\n");
		abort();
	}
	pthread_attr_destroy(&a);
}

unsigned int jiffies_to_msecs(const unsigned long j)
{
	return (unsigned int)((uint64_t)j * 1000u / MDL_HZ);
}

unsigned int jiffies_to_usecs(const unsigned long j)
{
	return (unsigned int)((uint64_t)j * 1000000u / MDL_HZ);
}

uint64_t jiffies64_to_msecs(uint64_t j)
{
	return j * 1000u / MDL_HZ;
}

uint64_t jiffies64_to_nsecs(uint64_t j)
{
	return j * (1000000000u / MDL_HZ);
}

unsigned long __msecs_to_jiffies(const unsigned int m)
{
	return (unsigned long)(((uint64_t)m * MDL_HZ + 999u) / 1000u);
}

unsigned long __usecs_to_jiffies(const unsigned int u)
{
	return (unsigned long)(((uint64_t)u * MDL_HZ + 999999u) / 1000000u);
}

/* ---- per-CPU state the kernel's inline helpers touch ----------------------------------------- */

/* Read through %gs with a GS base of 0: one CPU, never preempted in the kernel's sense. */
int __preempt_count;
int cpu_number;

int __SCT__cond_resched(void)
{
	sched_yield();
	return 0;
}

void __SCT__preempt_schedule(void)
{
	sched_yield();
}

void __SCT__preempt_schedule_notrace(void)
{
	sched_yield();
}

/* might_sleep()'s call (mdidl's channel makes it before it waits). */
int __SCT__might_resched(void)
{
	sched_yield();
	return 0;
}

/*
 * local_bh_enable(): the count local_bh_disable() added (inline, on __preempt_count above) comes
 * off; no softirq is ever pending in user mode, so there is none to run.
 */
void __local_bh_enable_ip(unsigned long ip, unsigned int cnt)
{
	(void)ip;
	__preempt_count -= (int)cnt;
}

/* The kernel's system state, as the driver sees it in user mode: always running (SYSTEM_RUNNING). */
int system_state = MDL_UK_SYSTEM_RUNNING;

/*
 * The direct map's base, which phys_to_virt() adds: a u-driver has no direct map, so 0 leaves such an
 * address unmapped and an access faults (e1000 uses it only on the ce4100, which is not a PCI card).
 */
unsigned long page_offset_base;

/*
 * virt_to_page() in user mode: the kernel's __pa() adds phys_base and the page array starts at
 * vmemmap_base, and a u-driver has neither (0 each). No user address is in the kernel's direct map,
 * so is_vmalloc_addr() says of every address that it is "remapped memory": dma_map_single() then
 * refuses it with its own warning, as it refuses vmalloc memory, before it ever computes a page
 * (user memory cannot be mapped for the device's DMA; e1000's ethtool loopback test does this).
 */
unsigned long phys_base;
unsigned long vmemmap_base;

_Bool is_vmalloc_addr(const void *x)
{
	(void)x;
	return 1;
}

/* ---- locks ---------------------------------------------------------------------------------- */

/*
 * A spinlock is the 32-bit word of the kernel's qspinlock: 0 free, 1 held (the kernel's own
 * spin_is_locked() reads it the same way). Its holder is a u-driver thread, which can be descheduled:
 * waiters spin briefly and then yield.
 */
static void spin_acquire(uint32_t *w)
{
	for (unsigned spins = 0;; spins++) {
		if (__atomic_load_n(w, __ATOMIC_RELAXED) == 0 && __atomic_exchange_n(w, 1u, __ATOMIC_ACQUIRE) == 0)
			return;
		if (spins < 100)
			__builtin_ia32_pause();
		else
			sched_yield();
	}
}

static void spin_release(uint32_t *w)
{
	__atomic_store_n(w, 0u, __ATOMIC_RELEASE);
}

void _raw_spin_lock(uint32_t *lock)
{
	spin_acquire(lock);
}

void _raw_spin_unlock(uint32_t *lock)
{
	spin_release(lock);
}

void _raw_spin_lock_bh(uint32_t *lock)
{
	spin_acquire(lock);
}

void _raw_spin_unlock_bh(uint32_t *lock)
{
	spin_release(lock);
}

void _raw_spin_lock_irq(uint32_t *lock)
{
	spin_acquire(lock);
}

void _raw_spin_unlock_irq(uint32_t *lock)
{
	spin_release(lock);
}

/* No interrupts reach a user process: the saved flags are always 0. */
unsigned long _raw_spin_lock_irqsave(uint32_t *lock)
{
	spin_acquire(lock);
	return 0;
}

void _raw_spin_unlock_irqrestore(uint32_t *lock, unsigned long flags)
{
	(void)flags;
	spin_release(lock);
}

int _raw_spin_trylock(uint32_t *lock)
{
	return __atomic_exchange_n(lock, 1u, __ATOMIC_ACQUIRE) == 0;
}

/*
 * A mutex is its first word, `owner`: 0 free, else the holder's tag. The kernel keeps flags in the
 * tag's low 3 bits and mutex_is_locked() masks them off, so the tag is an 8-aligned address unique to
 * the thread.
 */
static __thread uint64_t mutex_tag_word;

static uintptr_t mutex_tag(void)
{
	return (uintptr_t)&mutex_tag_word;
}

void __mutex_init(uintptr_t *lock, const char *name, void *key)
{
	(void)name;
	(void)key;
	__atomic_store_n(lock, 0, __ATOMIC_RELAXED);
}

int mutex_trylock(uintptr_t *lock)
{
	uintptr_t free_ = 0;
	return __atomic_compare_exchange_n(lock, &free_, mutex_tag(), 0, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED);
}

void mutex_lock(uintptr_t *lock)
{
	for (unsigned spins = 0; !mutex_trylock(lock); spins++) {
		if (spins < 100)
			__builtin_ia32_pause();
		else
			sleep_ns(50000);
	}
}

int mutex_lock_interruptible(uintptr_t *lock)
{
	mutex_lock(lock);
	return 0;
}

int mutex_lock_killable(uintptr_t *lock)
{
	mutex_lock(lock);
	return 0;
}

void mutex_unlock(uintptr_t *lock)
{
	__atomic_store_n(lock, 0, __ATOMIC_RELEASE);
}

/*
 * The running thread, for mdidl's channel built from kbuild's units (mdidl_platform.h with
 * MDL_UKERNEL): `current` is one word for every thread here (the per-CPU read goes through a GS
 * base of 0), so the identity is the tag the thread's mutexes hold.
 */
const void *mdl_uk_thread_self(void)
{
	return (const void *)mutex_tag();
}

/*
 * The kernel's ratelimit (lib/ratelimit.c), behind printk_ratelimited() and friends: at most
 * `burst` messages per `interval` jiffies, then one line counting what it held back. The state is
 * the kernel's struct ratelimit_state, seen as its words (offsets in mdidl_ukernel.h).
 */
#define RL_FIELD(rs, type, off) ((type *)((char *)(rs) + (off)))

int ___ratelimit(void *rs, const char *func)
{
	int interval = __atomic_load_n(RL_FIELD(rs, int, MDL_UK_RATELIMIT_INTERVAL), __ATOMIC_RELAXED);
	int burst = __atomic_load_n(RL_FIELD(rs, int, MDL_UK_RATELIMIT_BURST), __ATOMIC_RELAXED);
	int *printed = RL_FIELD(rs, int, MDL_UK_RATELIMIT_PRINTED);
	int *missed = RL_FIELD(rs, int, MDL_UK_RATELIMIT_MISSED);
	unsigned long *begin = RL_FIELD(rs, unsigned long, MDL_UK_RATELIMIT_BEGIN);
	unsigned long flags = *RL_FIELD(rs, unsigned long, MDL_UK_RATELIMIT_FLAGS);
	unsigned long now = jiffies;
	int ok;

	if (!interval)
		return 1;
	/* As the kernel: a contended state drops the message rather than wait. */
	if (!_raw_spin_trylock(RL_FIELD(rs, uint32_t, 0)))
		return 0;
	if (!*begin)
		*begin = now;
	if ((long)(now - (*begin + (unsigned long)interval)) > 0) {
		if (*missed && !(flags & MDL_UK_RATELIMIT_MSG_ON_RELEASE)) {
			_printk("\0014%s: %d callbacks suppressed\n", func, *missed);
			*missed = 0;
		}
		*begin = now;
		*printed = 0;
	}
	if (burst && burst > *printed) {
		++*printed;
		ok = 1;
	} else {
		++*missed;
		ok = 0;
	}
	_raw_spin_unlock(RL_FIELD(rs, uint32_t, 0));
	return ok;
}

/* ---- memory --------------------------------------------------------------------------------- */

#define GFP_ZERO MDL_UK_GFP_ZERO

/* What inline kmalloc() indexes before it calls kmalloc_trace(); the caches themselves are unused. */
void *kmalloc_caches[8][32];

/* kmalloc's alignment: at least 8 bytes, and a cache line for anything that big, as SLUB gives. */
static void *alloc(size_t size, unsigned flags)
{
	void *p = NULL;
	if (posix_memalign(&p, size >= 64 ? 64 : 16, size ? size : 1))
		return NULL;
	if (flags & GFP_ZERO)
		memset(p, 0, size);
	return p;
}

void *__kmalloc(size_t size, unsigned flags)
{
	return alloc(size, flags);
}

void *__kmalloc_node(size_t size, unsigned flags, int node)
{
	(void)node;
	return alloc(size, flags);
}

void *kmalloc_trace(void *cache, unsigned flags, size_t size)
{
	(void)cache;
	return alloc(size, flags);
}

void *kmalloc_node_trace(void *cache, unsigned flags, int node, size_t size)
{
	(void)cache;
	(void)node;
	return alloc(size, flags);
}

void *kmalloc_large(size_t size, unsigned flags)
{
	return alloc(size, flags);
}

void *kvmalloc_node(size_t size, unsigned flags, int node)
{
	(void)node;
	return alloc(size, flags);
}

void *vmalloc(unsigned long size)
{
	return alloc(size, 0);
}

void *vzalloc(unsigned long size)
{
	return alloc(size, GFP_ZERO);
}

void kfree(const void *p)
{
	free((void *)p);
}

void kvfree(const void *p)
{
	free((void *)p);
}

void vfree(const void *p)
{
	free((void *)p);
}

void *kmemdup(const void *src, size_t len, unsigned flags)
{
	void *p = alloc(len, flags & ~GFP_ZERO);
	if (p)
		memcpy(p, src, len);
	return p;
}

char *kstrdup(const char *s, unsigned flags)
{
	return s ? kmemdup(s, strlen(s) + 1, flags) : NULL;
}

/* ---- strings the kernel has and the C library does not --------------------------------------- */

long strscpy(char *dest, const char *src, size_t count)
{
	if (count == 0)
		return -7; /* -E2BIG */
	size_t n = strnlen(src, count);
	if (n == count) {
		memcpy(dest, src, count - 1);
		dest[count - 1] = '\0';
		return -7;
	}
	memcpy(dest, src, n + 1);
	return (long)n;
}

size_t strlcpy(char *dest, const char *src, size_t size)
{
	size_t n = strlen(src);
	if (size) {
		size_t c = n < size - 1 ? n : size - 1;
		memcpy(dest, src, c);
		dest[c] = '\0';
	}
	return n;
}

/* ---- register access through the BAR mapping ------------------------------------------------- */

void *mdl_uk_map_region(int fd, unsigned int index, size_t len)
{
	void *map;

	/* a region index the kernel has no room for would wrap the offset onto region 0 */
	if (index >= 1u << (63 - MDL_UK_REGION_SHIFT)) {
		errno = ENXIO;
		return NULL;
	}
	map = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, (off_t)index << MDL_UK_REGION_SHIFT);
	if (map == MAP_FAILED && errno == EACCES)
		map = mmap(NULL, len, PROT_READ, MAP_SHARED, fd, (off_t)index << MDL_UK_REGION_SHIFT);
	return map == MAP_FAILED ? NULL : map;
}

int mdl_uk_unmap_region(void *map, size_t len)
{
	return munmap(map, len);
}

int mdl_uk_io_ports(unsigned long start, unsigned long len)
{
	if (!len || start >= 0x10000 || len > 0x10000 - start) {
		errno = EINVAL;
		return -1;
	}
	return ioperm(start, len, 1);
}

/*
 * ioread*()/iowrite*() take an __iomem cookie; a u-driver's cookies are addresses in its mapping of
 * the BAR, so these are plain volatile accesses (the k-driver never hands it a port-I/O cookie).
 * Each is also a compiler barrier, as the kernel's readl()/writel() are (their asm clobbers
 * memory): a descriptor written to memory before the register write that hands it to the device
 * must not be moved after it.
 */
#define MDL_UK_IO_BARRIER() __asm__ __volatile__("" ::: "memory")
unsigned int ioread8(const volatile void *a)
{
	unsigned int v;

	MDL_UK_IO_BARRIER();
	v = *(const volatile uint8_t *)a;
	MDL_UK_IO_BARRIER();
	return v;
}

unsigned int ioread16(const volatile void *a)
{
	unsigned int v;

	MDL_UK_IO_BARRIER();
	v = *(const volatile uint16_t *)a;
	MDL_UK_IO_BARRIER();
	return v;
}

unsigned int ioread32(const volatile void *a)
{
	unsigned int v;

	MDL_UK_IO_BARRIER();
	v = *(const volatile uint32_t *)a;
	MDL_UK_IO_BARRIER();
	return v;
}

void iowrite8(uint8_t v, volatile void *a)
{
	MDL_UK_IO_BARRIER();
	*(volatile uint8_t *)a = v;
	MDL_UK_IO_BARRIER();
}

void iowrite16(uint16_t v, volatile void *a)
{
	MDL_UK_IO_BARRIER();
	*(volatile uint16_t *)a = v;
	MDL_UK_IO_BARRIER();
}

void iowrite32(uint32_t v, volatile void *a)
{
	MDL_UK_IO_BARRIER();
	*(volatile uint32_t *)a = v;
	MDL_UK_IO_BARRIER();
}

void ioread16_rep(const volatile void *a, void *dst, unsigned long count)
{
	uint16_t *d = dst;
	MDL_UK_IO_BARRIER();
	for (unsigned long i = 0; i < count; i++)
		d[i] = *(const volatile uint16_t *)a;
	MDL_UK_IO_BARRIER();
}

void iowrite16_rep(volatile void *a, const void *src, unsigned long count)
{
	const uint16_t *s = src;
	MDL_UK_IO_BARRIER();
	for (unsigned long i = 0; i < count; i++)
		*(volatile uint16_t *)a = s[i];
	MDL_UK_IO_BARRIER();
}

/* ---- bit searches --------------------------------------------------------------------------- */

/* The first set bit at or after start in the nbits-bit bitmap at addr, or nbits (lib/find_bit.c). */
unsigned long _find_next_bit(const unsigned long *addr, unsigned long nbits, unsigned long start)
{
	const unsigned long w = 8 * sizeof(unsigned long);

	if (start >= nbits)
		return nbits;
	unsigned long i = start / w;
	unsigned long word = addr[i] & (~0ul << (start % w));

	while (!word) {
		if ((i + 1) * w >= nbits)
			return nbits;
		word = addr[++i];
	}
	unsigned long bit = i * w + (unsigned long)__builtin_ctzl(word);
	return bit < nbits ? bit : nbits;
}
