/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * mdidl_kdev.h - the kernel end of the k-driver/u-driver link: a misc character device,
 * /dev/<name>, that the u-driver opens and exchanges whole messages through.
 *
 * The u-driver side is mdidl_fd.h. One message per read() or write(); the device never splits,
 * joins or validates messages beyond what it needs to route them (the header's kind and nested
 * flag): the channel checks everything else.
 *
 * What goes where:
 *  - a message the k-driver sends is queued for the u-driver's next read();
 *  - a reply, an error reply, or a nested call (MDL_FLAG_NESTED) the u-driver writes goes to the
 *    kernel thread waiting for the answer to its call (the one that sent a call and has not yet
 *    had its reply); with no such thread, a reply is dropped and a nested call is served as a
 *    top-level one;
 *  - any other message is handed to mdl_chan_serve() on the device's own ordered workqueue, so
 *    that a call whose implementation calls back into the u-driver does not block the u-driver's
 *    thread that wrote it, and calls are served in the order they were written.
 *
 * What the u-driver sees:
 *  - open(): -EBUSY while another file has the device open;
 *  - read(): blocks for the next message (-EAGAIN with O_NONBLOCK) and returns all of it;
 *    -EMSGSIZE, consuming nothing, when the buffer is smaller; 0 once the k-driver destroyed
 *    the device; poll() reports EPOLLIN, and EPOLLHUP after destroy;
 *  - write(): one whole message, 32 bytes to max_msg (-EINVAL below, -EMSGSIZE above);
 *    -ENOBUFS while 64 messages are queued in either direction (a u-driver that writes calls
 *    and never reads the replies cannot make the kernel allocate without bound); -EPIPE after
 *    destroy.
 *
 * One opener at a time. When it closes the device (or dies), queued messages are freed and a
 * kernel thread waiting for an answer gets -ESHUTDOWN; threads still busy with the old opener's
 * calls cannot reach a new opener.
 *
 * The k-driver may also offer MMIO regions (a device's BARs) for the u-driver to mmap, so that
 * the driver's register accesses run in user mode: mdl_kdev_offer_region() below.
 */
#ifndef MDIDL_KDEV_H
#define MDIDL_KDEV_H

#include <linux/types.h>

#include "mdidl_transport.h"

struct mdl_chan;
struct mdl_kdev;
struct work_struct;

/*
 * Provided by the channel (mdidl_rpc.h): handles one incoming call and sends its reply through
 * the transport. Called from the device's workqueue, in process context, one call at a time.
 */
int mdl_chan_serve(struct mdl_chan *c, const void *msg, size_t len);
/* Provided by the channel: the u-driver closed the device; its ids mean nothing any more. */
void mdl_chan_peer_gone(struct mdl_chan *c);

/*
 * Prepares /dev/<name> (mode 0600; it appears at mdl_kdev_start). timeout_ms bounds each wait for an answer in the
 * transport's recv (0: wait until answered, interrupted or shut down); max_msg is the largest
 * message, header included, either side may pass (at least the 32-byte header). Returns the
 * device or an ERR_PTR.
 */
struct mdl_kdev *mdl_kdev_create(const char *name, struct mdl_chan *chan,
				 unsigned int timeout_ms, size_t max_msg);

/*
 * Registers /dev/<name>: call it once the channel is open over mdl_kdev_transport(d), so no
 * u-driver message can arrive before the channel exists. 0 or a negative errno.
 */
int mdl_kdev_start(struct mdl_kdev *d);

/*
 * Removes /dev/<name>, fails every pending and future transfer with -ESHUTDOWN (an opener still
 * holding the file reads end-of-file) and waits for a call being served to finish; after it
 * returns mdl_chan_serve() is not called again. Sleeps; not from the device's own serve path.
 */
void mdl_kdev_destroy(struct mdl_kdev *d);

/*
 * A u-driver's arrival: work queued on system_wq each time a process opens the device (a restarted
 * u-driver among them), so the k-driver can hand it what the previous one held; NULL stops it.
 * Call before mdl_kdev_start. The caller cancels the work (cancel_work_sync) after
 * mdl_kdev_destroy, which ends the opens.
 */
void mdl_kdev_notify_open(struct mdl_kdev *d, struct work_struct *work);

/* Whether a u-driver has the device open now: a hint, it may go away the next moment. */
bool mdl_kdev_attached(struct mdl_kdev *d);

/*
 * The transport the channel uses. send and recv sleep: process context only. At most one kernel
 * thread may have calls waiting for an answer at a time (the channel serializes outgoing calls);
 * another thread's call fails with -EBUSY meanwhile. A recv that returns a reply or an error
 * reply (even one too big for its buffer) or fails with -ETIMEDOUT, -EINTR or -ESHUTDOWN ends the
 * wait for the innermost call: an answer to it that comes later is dropped.
 */
struct mdl_transport *mdl_kdev_transport(struct mdl_kdev *d);

/*
 * MMIO regions the u-driver maps with mmap(2) on the device. Region i is at file offset
 * i << MDL_KDEV_REGION_SHIFT; a mapping may start at any page of the region and must end inside
 * it. mmap refuses, with:
 *  -EPERM   a process other than the opener (a child it forked, one the fd was passed to);
 *  -ENXIO   an index nothing is offered at (or the device was destroyed);
 *  -EINVAL  a range that does not lie inside the region, or a private (MAP_PRIVATE) mapping;
 *  -EACCES  PROT_WRITE on a region offered without MDL_KDEV_REGION_WRITE (nor can mprotect add it).
 * Mappings are uncached, not inherited by fork(), and filled page by page as the u-driver
 * touches them.
 */
#define MDL_KDEV_REGION_SHIFT	40	/* region size limit too: 1 TiB */
#define MDL_KDEV_REGIONS	6	/* a PCI function's BARs */
#define MDL_KDEV_REGION_WRITE	0x1u

/*
 * Offers [start, start + len) of physical MMIO space at index. Both must be page-aligned (a
 * smaller region would expose its page's neighbours) and len nonzero; the k-driver must own the
 * range (pci_request_region) while it is offered. -EINVAL for a bad index, range or flag,
 * -EBUSY while the index is offered, -ENODEV after mdl_kdev_destroy. Sleeps.
 */
int mdl_kdev_offer_region(struct mdl_kdev *d, unsigned int index, phys_addr_t start,
			  resource_size_t len, unsigned int flags);

/*
 * Ends the offer at index (nothing if none): existing mappings lose their pages at once, and the
 * u-driver's next access to them faults (SIGBUS), so the k-driver may release the range when this
 * returns. Mappings stay in place (munmap is the u-driver's), and fault in the region offered at
 * the same index later, if any. mdl_kdev_destroy withdraws every region. Sleeps.
 */
void mdl_kdev_withdraw_region(struct mdl_kdev *d, unsigned int index);

#endif /* MDIDL_KDEV_H */
