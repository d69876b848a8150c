// The k-driver of the round-trip test in user space: the generated kernel stubs (graph_kernel.c,
// kernel flavour, built against test/c/shim) over a SOCK_SEQPACKET socketpair to the u-driver
// program (user_side.c). The test itself is kernel_impl.h, which the real-kernel test shares.
#include <stdlib.h>
#include <string.h>
#include "check.h"
#include "peer.h"
#include "graph.h"
#include "mdidl_fd.h"
#include "kernel_impl.h"

static long rec_recv(struct mdl_transport *t, void *buf, size_t cap)
{
	long n = mdl_fd_recv(t, buf, cap);

	rt_record(buf, n);
	return n;
}

int main(int argc, char **argv)
{
	struct mdl_fd_transport ft;
	struct mdl_chan chan;
	int fd;
	pid_t pid;

	if (argc < 2 || (fd = rt_spawn_peer(argv[1], &pid)) < 0)
		return 2;
	mdl_fd_transport_init(&ft, fd, 20000);
	ft.t.recv = rec_recv;
	CHECK(graph_kernel_open(&chan, &ft.t, 1u << 16, &rt_kernel_impls) == 0, "open");
	rt_upcalls(&chan);
	rt_replay(&chan);
	close(fd);
	CHECK(rt_peer_passed(pid), "the u-driver's checks passed");
	graph_kernel_close(&chan);
	printf("kernel: %d checks, %d failures\n", rt_checks, rt_failures);
	return rt_failures ? 1 : 0;
}
