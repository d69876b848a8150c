// The k-driver of the round-trip test in user space: the generated kernel stubs (graph_kernel.c,
// kernel flavour, built against test/c/shim) over a SOCK_SEQPACKET socketpair to the u-driver
// program (user_side.c). The test itself is kernel_impl.h, which the real-kernel test shares.
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include "check.h"
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
	char fdarg[16];
	int sv[2], status = 0;
	pid_t pid;

	if (argc < 2 || socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv))
		return 2;
	pid = fork();
	if (pid == 0) {
		close(sv[0]);
		snprintf(fdarg, sizeof(fdarg), "%d", sv[1]);
		execl(argv[1], argv[1], fdarg, (char *)NULL);
		_exit(127);
	}
	close(sv[1]);
	mdl_fd_transport_init(&ft, sv[0], 20000);
	ft.t.recv = rec_recv;
	CHECK(graph_kernel_open(&chan, &ft.t, 1u << 16, &rt_kernel_impls) == 0, "open");
	rt_upcalls(&chan);
	rt_replay(&chan);
	close(sv[0]);
	waitpid(pid, &status, 0);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "the u-driver's checks passed");
	graph_kernel_close(&chan);
	printf("kernel: %d checks, %d failures\n", rt_checks, rt_failures);
	return rt_failures ? 1 : 0;
}
