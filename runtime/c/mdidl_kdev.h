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
 */
#ifndef MDIDL_KDEV_H
#define MDIDL_KDEV_H

#include <linux/types.h>

#include "mdidl_transport.h"

struct mdl_chan;
struct mdl_kdev;

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
 * The transport the channel uses. send and recv sleep: process context only. At most one kernel
 * thread may have calls waiting for an answer at a time (the channel serializes outgoing calls);
 * another thread's call fails with -EBUSY meanwhile. A recv that returns a reply or an error
 * reply (even one too big for its buffer) or fails with -ETIMEDOUT, -EINTR or -ESHUTDOWN ends the
 * wait for the innermost call: an answer to it that comes later is dropped.
 */
struct mdl_transport *mdl_kdev_transport(struct mdl_kdev *d);

#endif /* MDIDL_KDEV_H */
