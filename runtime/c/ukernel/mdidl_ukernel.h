/* SPDX-License-Identifier: MIT */
/*
 * mdidl_ukernel.h - the kernel services a u-driver runs locally, in user mode.
 *
 * A u-driver is the driver's own user-side functions, compiled in user mode from the translation
 * units kbuild preprocessed (so every struct has the kernel's layout). Those functions still call
 * the kernel: services that must run in the kernel (PCI, DMA, IRQs, register_netdev, NAPI, the
 * carrier) become downcalls; the ones that only need a CPU run here, under the kernel's own symbol
 * names and calling conventions, so the driver's object code links against this library unchanged:
 * printk and dev_/netdev_ messages, delays and sleeps, jiffies, spinlocks and mutexes (the user side
 * of the driver's locks), kmalloc and kfree.
 *
 * The library is built without kernel headers: it sees kernel objects only as the few words it
 * touches (a spinlock is the 32-bit word of a qspinlock, a mutex its `owner` word), which is what
 * makes it ABI-compatible with the driver's code rather than source-compatible.
 */
#ifndef MDIDL_UKERNEL_H
#define MDIDL_UKERNEL_H

/*
 * The kernel ABI this library assumes, checked against the installed headers by a kbuild test
 * (test/c/ukernel.test.ts): gfp's zeroing bit, a spinlock's size, where a mutex keeps its owner.
 */
#define MDL_UK_GFP_ZERO 0x100u
#define MDL_UK_SPINLOCK_SIZE 4
#define MDL_UK_MUTEX_OWNER_OFFSET 0
/* struct ratelimit_state: its spinlock first, then these words; RATELIMIT_MSG_ON_RELEASE. */
#define MDL_UK_RATELIMIT_INTERVAL 4
#define MDL_UK_RATELIMIT_BURST 8
#define MDL_UK_RATELIMIT_PRINTED 12
#define MDL_UK_RATELIMIT_MISSED 16
#define MDL_UK_RATELIMIT_BEGIN 24
#define MDL_UK_RATELIMIT_FLAGS 32
#define MDL_UK_RATELIMIT_MSG_ON_RELEASE 0x1ul

/* enum system_states' SYSTEM_RUNNING: what the u-driver's system_state always says. */
#define MDL_UK_SYSTEM_RUNNING 3

/*
 * Region i the k-driver offers for mmap on its misc device (mdl_kdev_offer_region, mdidl_kdev.h)
 * is at file offset i << MDL_UK_REGION_SHIFT, MDL_KDEV_REGION_SHIFT there (the kbuild check).
 */
#define MDL_UK_REGION_SHIFT 40

/* The tick rate the driver was built for (the kernel's CONFIG_HZ); the build passes -DMDL_HZ=. */
#ifndef MDL_HZ
#define MDL_HZ 250
#endif

#ifndef __KERNEL__ /* the constants above are also read by a kbuild check of the ABI */
#include <stdarg.h>
#include <stddef.h>

/*
 * Formats like the kernel's vsnprintf: the C conversions plus the %p extensions drivers print
 * (%pM, %pm, %pMR, %pI4, %pV, %pe; others print the pointer). Returns the length it would have
 * written, as snprintf does.
 */
int mdl_uk_vformat(char *buf, size_t size, const char *fmt, va_list ap);

/* Where messages go (default: stderr); one call per line, level 0..7 as the kernel numbers them. */
typedef void (*mdl_uk_sink)(int level, const char *line);
void mdl_uk_set_sink(mdl_uk_sink sink);

/* The running thread's identity (mdidl's channel uses it, mdidl_platform.h with MDL_UKERNEL). */
const void *mdl_uk_thread_self(void);

/*
 * Maps the first len bytes of region index of the k-driver's device, opened as fd, shared and
 * uncached, readable and writable (read-only when the region is): what the u-driver's
 * pci_ioremap_bar() and pci_iomap() return, and what readl()/writel() and ioread32()/iowrite32()
 * then work on. NULL with errno set when the device refuses (mdidl_kdev.h lists why).
 */
void *mdl_uk_map_region(int fd, unsigned int index, size_t len);
/* Unmaps what mdl_uk_map_region(fd, index, len) returned: 0, or -1 with errno. */
int mdl_uk_unmap_region(void *map, size_t len);
/*
 * Lets this process's in/out instructions reach the I/O ports [start, start + len) (an I/O-port BAR
 * the driver's own inb()/outl() use, e1000's reset workaround): ioperm(), so root or CAP_SYS_RAWIO.
 * 0, or -1 with errno (EINVAL for a range beyond port 0xffff).
 */
int mdl_uk_io_ports(unsigned long start, unsigned long len);
#endif

#endif
