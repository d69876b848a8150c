/* SPDX-License-Identifier: MIT */
/*
 * mdidl_fd.h - the u-driver's transport: a file descriptor that keeps message boundaries, one
 * whole message per write() and per read().
 *
 * Made for the k-driver's device (mdidl_kdev.c, /dev/<name>), and equally usable on one end of a
 * SOCK_SEQPACKET socketpair (two user processes, or a test). Header-only C11 + POSIX.
 *
 *	struct mdl_fd_transport ft;
 *	int fd = open("/dev/nic", O_RDWR | O_CLOEXEC);
 *
 *	mdl_fd_transport_init(&ft, fd, 5000);
 *	... hand &ft.t to the channel ...
 *
 * Where the two kinds of descriptor differ: a message bigger than recv's buffer stays queued on
 * the device (its read() fails with EMSGSIZE and consumes nothing), while on a socket it is
 * dropped, as mdidl_transport.h describes. The channel's buffer holds the largest message the
 * k-driver accepts, so neither happens between matching builds.
 */
#ifndef MDIDL_FD_H
#define MDIDL_FD_H

#include <errno.h>
#include <poll.h>
#include <stddef.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <unistd.h>

#include "mdidl_transport.h"

struct mdl_fd_transport {
	struct mdl_transport t;	/* first: the callbacks convert back by a cast */
	int fd;
	int timeout_ms;		/* for recv; 0 or less waits without limit */
};

static inline struct mdl_fd_transport *mdl_fd_of(struct mdl_transport *t)
{
	return (struct mdl_fd_transport *)t;
}

/* errno after a failed transfer, as the transport reports it. */
static inline int mdl_fd_error(int err)
{
	switch (err) {
	case EPIPE:
	case ECONNRESET:
	case ESHUTDOWN:
		return -ESHUTDOWN;
	default:
		return -err;
	}
}

static inline int mdl_fd_send(struct mdl_transport *t, const void *msg, size_t len)
{
	struct mdl_fd_transport *ft = mdl_fd_of(t);
	ssize_t n;

	do {
		/* send() first: on a socket whose peer has gone, write() would raise SIGPIPE */
		n = send(ft->fd, msg, len, MSG_NOSIGNAL);
		if (n < 0 && errno == ENOTSOCK)
			n = write(ft->fd, msg, len);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return mdl_fd_error(errno);
	/* the device and a seqpacket socket take a message whole or not at all */
	if ((size_t)n != len)
		return -EIO;
	return 0;
}

static inline long mdl_fd_recv(struct mdl_transport *t, void *buf, size_t cap)
{
	struct mdl_fd_transport *ft = mdl_fd_of(t);
	struct pollfd p = { .fd = ft->fd, .events = POLLIN };
	ssize_t n;
	int r;

	r = poll(&p, 1, ft->timeout_ms > 0 ? ft->timeout_ms : -1);
	if (r == 0)
		return -ETIMEDOUT;
	if (r < 0)
		return -errno;	/* EINTR included: a signal ends the wait, as the contract asks */

	do {
		/*
		 * MSG_TRUNC makes a socket report the message's real length even when it did not
		 * fit (and drops it); the device refuses a short buffer with EMSGSIZE instead.
		 */
		n = recv(ft->fd, buf, cap, MSG_TRUNC);
		if (n < 0 && errno == ENOTSOCK)
			n = read(ft->fd, buf, cap);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return mdl_fd_error(errno);
	/* end of file: the other end closed, or the k-driver removed the device */
	if (n == 0)
		return -ESHUTDOWN;
	if ((size_t)n > cap)
		return -EMSGSIZE;
	return (long)n;
}

static inline void mdl_fd_transport_init(struct mdl_fd_transport *ft, int fd, int timeout_ms)
{
	ft->t.send = mdl_fd_send;
	ft->t.recv = mdl_fd_recv;
	ft->fd = fd;
	ft->timeout_ms = timeout_ms;
}

#endif /* MDIDL_FD_H */
