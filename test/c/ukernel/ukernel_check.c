// The u-driver's kernel services (runtime/c/ukernel) called the way a driver's object code calls
// them: by their kernel names, with kernel-layout objects. Prints "ok <name>" or "FAIL <name>: ..."
// per check; test/c/ukernel.test.ts reads the lines.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "mdidl_ukernel.h"

// The kernel's declarations, as the driver's translation unit has them.
int _printk(const char *fmt, ...);
void _dev_err(const void *dev, const char *fmt, ...);
void netdev_info(const void *ndev, const char *fmt, ...);
void __dynamic_netdev_dbg(void *descriptor, const void *ndev, const char *fmt, ...);
void msleep(unsigned int msecs);
void __const_udelay(unsigned long xloops);
void __udelay(unsigned long usecs);
extern volatile unsigned long jiffies;
unsigned long __msecs_to_jiffies(const unsigned int m);
unsigned int jiffies_to_msecs(const unsigned long j);
unsigned long _raw_spin_lock_irqsave(uint32_t *lock);
void _raw_spin_unlock_irqrestore(uint32_t *lock, unsigned long flags);
void _raw_spin_lock(uint32_t *lock);
void _raw_spin_unlock(uint32_t *lock);
int _raw_spin_trylock(uint32_t *lock);
void __mutex_init(uintptr_t *lock, const char *name, void *key);
void mutex_lock(uintptr_t *lock);
void mutex_unlock(uintptr_t *lock);
int mutex_trylock(uintptr_t *lock);
void *__kmalloc(size_t size, unsigned flags);
void *kmalloc_trace(void *cache, unsigned flags, size_t size);
void kfree(const void *p);
long strscpy(char *dest, const char *src, size_t count);
unsigned int ioread32(const volatile void *a);
void iowrite32(uint32_t v, volatile void *a);
void ioread16_rep(const volatile void *a, void *dst, unsigned long count);
extern int __preempt_count;
void print_hex_dump(const char *level, const char *prefix_str, int prefix_type, int rowsize, int groupsize, const void *buf, size_t len, _Bool ascii);
unsigned long _find_next_bit(const unsigned long *addr, unsigned long nbits, unsigned long start);
void __local_bh_enable_ip(unsigned long ip, unsigned int cnt);
_Bool is_vmalloc_addr(const void *x);
extern int system_state;

static int failures;

static void check(int ok, const char *name, const char *fmt, ...)
{
	if (ok) {
		printf("ok %s\n", name);
		return;
	}
	va_list ap;
	va_start(ap, fmt);
	printf("FAIL %s: ", name);
	vprintf(fmt, ap);
	printf("\n");
	va_end(ap);
	failures++;
}

static int format(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = mdl_uk_vformat(buf, size, fmt, ap);
	va_end(ap);
	return n;
}

static void expect_format(const char *name, const char *want, const char *fmt, ...)
{
	char buf[256];
	va_list ap;
	va_start(ap, fmt);
	int n = mdl_uk_vformat(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	check(strcmp(buf, want) == 0 && n == (int)strlen(want), name, "got \"%s\" (%d), want \"%s\"", buf, n, want);
}

struct va_format_ {
	const char *fmt;
	va_list *va;
};

static void expect_pv(const char *want, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	struct va_format_ vf = { fmt, &ap };
	expect_format("format-pV", want, "[%pV]", &vf);
	va_end(ap);
}

static int sink_level[8];
static char sink_lines[8][256];
static int sink_n;

static void sink(int level, const char *line)
{
	if (sink_n < 8) {
		sink_level[sink_n] = level;
		snprintf(sink_lines[sink_n], sizeof(sink_lines[0]), "%s", line);
	}
	sink_n++;
}

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static uint32_t spin_word;
static uintptr_t mutex_obj[4]; // a struct mutex's first words: owner, wait_lock, ...
static long counter;
#define ROUNDS 200000

static void *spin_worker(void *arg)
{
	(void)arg;
	for (int i = 0; i < ROUNDS; i++) {
		unsigned long flags = _raw_spin_lock_irqsave(&spin_word);
		long c = counter;
		__asm__ volatile("" ::: "memory");
		counter = c + 1;
		_raw_spin_unlock_irqrestore(&spin_word, flags);
	}
	return NULL;
}

static void *mutex_worker(void *arg)
{
	(void)arg;
	for (int i = 0; i < ROUNDS / 10; i++) {
		mutex_lock(&mutex_obj[0]);
		long c = counter;
		__asm__ volatile("" ::: "memory");
		counter = c + 1;
		mutex_unlock(&mutex_obj[0]);
	}
	return NULL;
}

int main(void)
{
	unsigned char mac[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x5a };
	unsigned char ip[4] = { 10, 0, 2, 15 };
	char buf[64];

	expect_format("format-ints", "-5 42 ff 00ff 18446744073709551615 -9000000000 7 -3", "%d %u %x %04x %lu %lld %zu %hhd", -5, 42u, 255u, 255u, (unsigned long)-1, -9000000000LL, (size_t)7, 509);
	expect_format("format-width-star", "[   ab][ab   ][abc]", "[%*s][%-5s][%.3s]", 5, "ab", "ab", "abcdef");
	expect_format("format-null-string", "(null)", "%s", (char *)NULL);
	expect_format("format-mac", "52:54:00:12:34:5a 5a:34:12:00:54:52 52-54-00-12-34-5a 52540012345a", "%pM %pMR %pMF %pm", mac, mac, mac, mac);
	expect_format("format-ipv4", "10.0.2.15 010.000.002.015", "%pI4 %pi4", ip, ip);
	expect_format("format-p-eats-letters", "(null)x", "%pMx%s", (void *)NULL, "x");
	expect_format("format-percent-and-unknown", "100% %y", "100%% %y");
	expect_pv("[eth0: 3 up]", "%s: %d %s", "eth0", 3, "up");
	int n = format(buf, 8, "%s-%d", "abcdefgh", 12345);
	check(n == 14 && strcmp(buf, "abcdefg") == 0, "format-truncates-and-counts", "n=%d buf=\"%s\"", n, buf);

	mdl_uk_set_sink(sink);
	_printk("\001" "3" "e1000: %s link %d\n", "eth0", 1);
	_printk("plain\nsecond line\n");
	_dev_err(NULL, "probe failed %d\n", -19);
	netdev_info(NULL, "NIC Link is Up %d Mbps\n", 1000);
	__dynamic_netdev_dbg(NULL, NULL, "never %d\n", 1);
	mdl_uk_set_sink(NULL);
	check(sink_n == 5, "printk-lines", "%d lines", sink_n);
	check(sink_level[0] == 3 && strcmp(sink_lines[0], "e1000: eth0 link 1") == 0, "printk-level-prefix", "<%d>%s", sink_level[0], sink_lines[0]);
	check(sink_level[1] == 4 && strcmp(sink_lines[1], "plain") == 0 && strcmp(sink_lines[2], "second line") == 0, "printk-default-level-lines", "<%d>%s|%s", sink_level[1], sink_lines[1], sink_lines[2]);
	check(sink_level[3] == 3 && strcmp(sink_lines[3], "u-driver: probe failed -19") == 0, "dev-err", "<%d>%s", sink_level[3], sink_lines[3]);
	check(sink_level[4] == 6 && strcmp(sink_lines[4], "u-driver: NIC Link is Up 1000 Mbps") == 0, "netdev-info", "<%d>%s", sink_level[4], sink_lines[4]);

	uint64_t t0 = now_ns();
	unsigned long j0 = jiffies;
	msleep(100);
	uint64_t slept = now_ns() - t0;
	unsigned long dj = jiffies - j0;
	check(slept >= 100000000u, "msleep-sleeps-at-least", "%llu ns", (unsigned long long)slept);
	// jiffies moves with the clock (a tick thread); a lower bound only, a slow machine may overshoot.
	check(dj + 2 >= __msecs_to_jiffies(100), "jiffies-advance", "%lu ticks in 100 ms (HZ %d)", dj, MDL_HZ);
	check(__msecs_to_jiffies(1000) == MDL_HZ && jiffies_to_msecs(MDL_HZ) == 1000, "jiffies-conversions", "%lu %u", __msecs_to_jiffies(1000), jiffies_to_msecs(MDL_HZ));
	t0 = now_ns();
	__const_udelay(200ul * 0x10c7ul); // udelay(200) with a constant argument
	uint64_t waited = now_ns() - t0;
	check(waited >= 199000u, "const-udelay", "%llu ns", (unsigned long long)waited);
	t0 = now_ns();
	__udelay(30);
	waited = now_ns() - t0;
	check(waited >= 30000u, "udelay", "%llu ns", (unsigned long long)waited);

	pthread_t a, b;
	counter = 0;
	pthread_create(&a, NULL, spin_worker, NULL);
	pthread_create(&b, NULL, spin_worker, NULL);
	pthread_join(a, NULL);
	pthread_join(b, NULL);
	check(counter == 2 * ROUNDS && spin_word == 0, "spinlock-excludes", "counter %ld word %u", counter, spin_word);
	_raw_spin_lock(&spin_word);
	int busy = _raw_spin_trylock(&spin_word);
	uint32_t held = spin_word;
	_raw_spin_unlock(&spin_word);
	check(!busy && held != 0 && _raw_spin_trylock(&spin_word), "spinlock-word", "trylock %d word %u", busy, held);
	_raw_spin_unlock(&spin_word);

	mutex_obj[0] = 12345;
	__mutex_init(&mutex_obj[0], "m", NULL);
	check(mutex_obj[0] == 0, "mutex-init", "owner %lx", (unsigned long)mutex_obj[0]);
	counter = 0;
	pthread_create(&a, NULL, mutex_worker, NULL);
	pthread_create(&b, NULL, mutex_worker, NULL);
	pthread_join(a, NULL);
	pthread_join(b, NULL);
	check(counter == 2 * (ROUNDS / 10) && mutex_obj[0] == 0, "mutex-excludes", "counter %ld owner %lx", counter, (unsigned long)mutex_obj[0]);
	mutex_lock(&mutex_obj[0]);
	uintptr_t owner = mutex_obj[0];
	int again = mutex_trylock(&mutex_obj[0]);
	mutex_unlock(&mutex_obj[0]);
	// mutex_is_locked() masks the low three flag bits: the owner word must survive that.
	check(owner != 0 && (owner & ~(uintptr_t)7) != 0 && !again, "mutex-owner-word", "owner %lx trylock %d", (unsigned long)owner, again);

	unsigned char *p = __kmalloc(300, MDL_UK_GFP_ZERO);
	int zero = p != NULL;
	for (int i = 0; p && i < 300; i++)
		zero &= p[i] == 0;
	check(zero && ((uintptr_t)p & 63) == 0, "kmalloc-zeroed-aligned", "%p", (void *)p);
	kfree(p);
	p = kmalloc_trace(NULL, MDL_UK_GFP_ZERO, 24);
	check(p && ((uintptr_t)p & 7) == 0 && p[23] == 0, "kmalloc-trace", "%p", (void *)p);
	kfree(p);

	char dst[8];
	long r1 = strscpy(dst, "e1000", sizeof(dst));
	check(r1 == 5 && strcmp(dst, "e1000") == 0, "strscpy-fits", "%ld %s", r1, dst);
	long r2 = strscpy(dst, "Intel(R) PRO/1000", sizeof(dst));
	check(r2 == -7 && strcmp(dst, "Intel(R") == 0, "strscpy-truncates", "%ld %s", r2, dst);

	uint32_t regs[4] = { 0, 0xdeadbeef, 0, 0 };
	iowrite32(0x12345678, &regs[2]);
	uint16_t words[3];
	uint16_t port = 0xabcd;
	ioread16_rep(&port, words, 3);
	check(ioread32(&regs[1]) == 0xdeadbeef && regs[2] == 0x12345678 && words[0] == 0xabcd && words[2] == 0xabcd, "io-accessors", "%x %x", regs[1], regs[2]);

	// Region i is at file offset i << 40 (the k-driver's device checks this in QEMU): a sparse
	// file with a marker at the start of "region" 0 and 1 stands in for the device.
	char tmpl[] = "/tmp/mdl-ukernel-region-XXXXXX";
	int fd = mkstemp(tmpl);
	uint32_t m0 = 0x52300000, m1 = 0x52310001;
	int wrote = fd >= 0 && pwrite(fd, &m0, 4, 0) == 4 && pwrite(fd, &m1, 4, (off_t)1 << 40) == 4 &&
		    ftruncate(fd, ((off_t)1 << 40) + 4096) == 0;
	volatile uint32_t *reg0 = wrote ? mdl_uk_map_region(fd, 0, 4096) : NULL;
	volatile uint32_t *reg1 = wrote ? mdl_uk_map_region(fd, 1, 4096) : NULL;
	errno = 0;
	void *far = fd >= 0 ? mdl_uk_map_region(fd, 1u << 23, 4096) : NULL;
	int far_errno = errno;
	check(reg0 && reg1 && reg0[0] == m0 && reg1[0] == m1 && !far && far_errno == ENXIO, "map-region-offset",
	      "wrote %d reg0 %p reg1 %p far %p errno %d", wrote, (void *)reg0, (void *)reg1, far, far_errno);
	if (reg0)
		mdl_uk_unmap_region((void *)reg0, 4096);
	if (reg1)
		mdl_uk_unmap_region((void *)reg1, 4096);
	if (fd >= 0) {
		close(fd);
		unlink(tmpl);
	}

	// What the kernel's per-CPU accessors compile to (%gs-relative): with GS base 0 they reach the
	// library's variable itself.
	__preempt_count = 0;
	int pc;
	__asm__ volatile("incl %%gs:__preempt_count\n\tmovl %%gs:__preempt_count, %0" : "=r"(pc) : : "memory");
	check(pc == 1 && __preempt_count == 1, "percpu-through-gs", "%d %d", pc, __preempt_count);
	__preempt_count = 0;

	// print_hex_dump() as lib/hexdump.c lays it out: offsets, bytes, the ASCII column; 4-byte groups.
	sink_n = 0;
	mdl_uk_set_sink(sink);
	print_hex_dump("\001" "3", "x: ", 2, 16, 1, "ABCDEFGHIJKLMNOP\001RST", 20, 1);
	const uint32_t groups[2] = { 0x11223344, 0xa0b0c0d0 };
	print_hex_dump("\001" "6", "", 0, 16, 4, groups, sizeof(groups), 0);
	mdl_uk_set_sink(NULL);
	check(sink_n == 3 && sink_level[0] == 3 && sink_level[2] == 6 &&
		      strcmp(sink_lines[0], "x: 00000000: 41 42 43 44 45 46 47 48 49 4a 4b 4c 4d 4e 4f 50  ABCDEFGHIJKLMNOP") == 0 &&
		      strcmp(sink_lines[1], "x: 00000010: 01 52 53 54                                      .RST") == 0 &&
		      strcmp(sink_lines[2], "11223344 a0b0c0d0") == 0,
	      "hex-dump", "%d lines: <%s> <%s> <%s>", sink_n, sink_lines[0], sink_lines[1], sink_lines[2]);

	// _find_next_bit(): across words, from inside a word, and nbits when nothing is set.
	unsigned long bits[3] = { 0x8, 0, 1ul << 5 };
	unsigned long b0 = _find_next_bit(bits, 192, 0), b1 = _find_next_bit(bits, 192, 4), b2 = _find_next_bit(bits, 133, 4),
		      b3 = _find_next_bit(bits, 192, 134), b4 = _find_next_bit(bits, 192, 192);
	check(b0 == 3 && b1 == 133 && b2 == 133 && b3 == 192 && b4 == 192, "find-next-bit", "%lu %lu %lu %lu %lu", b0, b1, b2, b3, b4);
	unsigned long b5 = _find_next_bit(bits, 130, 4);
	check(b5 == 130, "find-next-bit-limit", "%lu", b5);

	// local_bh_disable() is inline (adds 0x200 to the preempt count); __local_bh_enable_ip takes it off.
	__preempt_count = 0x200;
	__local_bh_enable_ip(0, 0x200);
	check(__preempt_count == 0, "local-bh-enable", "%d", __preempt_count);

	// No user address is in the kernel's direct map; the kernel is running.
	int stack_var = 0;
	check(is_vmalloc_addr(&stack_var) && is_vmalloc_addr(failures ? NULL : &failures) && system_state == MDL_UK_SYSTEM_RUNNING,
	      "user-memory-not-direct-mapped", "%d", system_state);

	printf("%d failed\n", failures);
	return failures ? 1 : 0;
}
