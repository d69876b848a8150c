/*
 * The k-driver half of a user-space stub pair starts its u-driver half: one program per side, so
 * each links only its own flavour of the stubs, joined by a SOCK_SEQPACKET socketpair (one message
 * per write, as the misc device gives). The u-driver gets its end's number as its only argument,
 * and its main is RT_SERVE_PEER.
 */
#ifndef RT_PEER_H
#define RT_PEER_H

#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

/* Starts prog with the other end of a new socketpair; returns this end (or -1) and the child. */
static inline int rt_spawn_peer(const char *prog, pid_t *pid)
{
	char fdarg[16];
	int sv[2];

	if (socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv))
		return -1;
	*pid = fork();
	if (*pid < 0) {
		close(sv[0]);
		close(sv[1]);
		return -1;
	}
	if (*pid == 0) {
		close(sv[0]);
		snprintf(fdarg, sizeof(fdarg), "%d", sv[1]);
		execl(prog, prog, fdarg, (char *)NULL);
		_exit(127);
	}
	close(sv[1]);
	return sv[0];
}

/* Waits for the u-driver half: whether it exited with 0, its checks all passed. */
static inline int rt_peer_passed(pid_t pid)
{
	int status = 0;

	return waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

/* The largest payload a u-driver half accepts; its receive buffer holds one and a header. */
#define RT_PEER_PAYLOAD (1u << 16)
#define RT_PEER_BUF (RT_PEER_PAYLOAD + 32)

/*
 * The u-driver half's main, as an expression whose value is its exit status: opens `chan` with the
 * user stubs of `module` (module##_user_open, for `impls`) on the socketpair end argv[1] names,
 * serves the k-driver half's upcalls until it goes away, closes, and prints how its checks
 * (check.h) went. 0: all passed; 1: one failed; 2: no end was named, or no buffer. A macro, and a
 * GNU statement expression, because each module's open takes its own impls type. Needs check.h
 * and mdidl_fd.h, and the module's header.
 *
 *	int main(int argc, char **argv) { return RT_SERVE_PEER(graph, &chan, &impls, argc, argv); }
 */
#define RT_SERVE_PEER(module, chan, impls, argc, argv)                                              \
	({                                                                                          \
		struct mdl_fd_transport rt_ft_;                                                     \
		void *rt_buf_ = (argc) < 2 ? NULL : malloc(RT_PEER_BUF);                            \
		int rt_status_ = 2, rt_err_;                                                        \
                                                                                                    \
		if (rt_buf_) {                                                                      \
			mdl_fd_transport_init(&rt_ft_, atoi((argv)[1]), 20000);                     \
			rt_err_ = module##_user_open((chan), &rt_ft_.t, RT_PEER_PAYLOAD, (impls));  \
			CHECK(rt_err_ == 0, "open");                                                \
			if (rt_err_ == 0)                                                           \
				rt_err_ = mdl_chan_run((chan), rt_buf_, RT_PEER_BUF);               \
			CHECK(rt_err_ == -ESHUTDOWN,                                                \
			      "the user side runs until the kernel side goes away");                \
			module##_user_close(chan);                                                  \
			free(rt_buf_);                                                              \
			printf("user: %d checks, %d failures\n", rt_checks, rt_failures);           \
			rt_status_ = rt_failures ? 1 : 0;                                           \
		}                                                                                   \
		rt_status_;                                                                         \
	})

#endif
