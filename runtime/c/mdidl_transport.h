/* SPDX-License-Identifier: MIT */
/*
 * mdidl_transport.h - how whole messages move between the k-driver and the u-driver.
 *
 * The generated stubs and the channel (mdidl_rpc.h) never touch a file descriptor or a device:
 * they hand complete messages to a transport and ask it for the next one. The integrator picks
 * or writes the transport; mdidl ships two that fit together:
 *
 *   kernel: mdidl_kdev.c, a misc character device (/dev/<name>) the u-driver opens;
 *   user:   mdidl_fd.h, that device's file descriptor (or any fd that keeps message boundaries,
 *           such as one end of a SOCK_SEQPACKET socketpair, which the tests use).
 *
 * A transport carries bytes only; it may look at the header's kind and flags to route a message
 * (mdl_header_peek in mdidl_wire.h) but checks nothing else: the channel validates everything.
 */
#ifndef MDIDL_TRANSPORT_H
#define MDIDL_TRANSPORT_H

#include "mdidl_types.h"

struct mdl_transport {
	/*
	 * Sends one whole message. 0, or a negative errno: -ESHUTDOWN when the peer is gone
	 * (closed the device, exited), -EMSGSIZE when the transport cannot carry that many bytes.
	 * The transport is done with msg when send returns (it copied it, or served it): the
	 * channel receives the reply into the same buffer.
	 */
	int (*send)(struct mdl_transport *t, const void *msg, size_t len);
	/*
	 * Called by a caller waiting for its reply: blocks until the next message meant for it
	 * arrives (the reply, an error reply, or a call nested inside the caller's call) and copies
	 * it into buf. Returns the message length, or a negative errno: -EMSGSIZE when it does not
	 * fit in cap (the message is dropped), -ESHUTDOWN when the peer is gone, -ETIMEDOUT when
	 * nothing came within the transport's timeout, -EINTR when a signal interrupted the wait.
	 */
	long (*recv)(struct mdl_transport *t, void *buf, size_t cap);
};

#endif /* MDIDL_TRANSPORT_H */
