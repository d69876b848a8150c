// The u-driver of the round-trip test in user space: the generated user stubs (graph_user.c)
// serving user_impl.h's upcalls over the socketpair fd it is given, until the kernel side goes.
#include <stdlib.h>
#include <string.h>
#include "check.h"
#include "graph.h"
#include "mdidl_fd.h"
#include "user_impl.h"

int main(int argc, char **argv)
{
	struct mdl_fd_transport ft;
	size_t cap = (1u << 16) + 32;
	u8 *buf = malloc(cap);
	int err;

	if (argc < 2 || !buf)
		return 2;
	mdl_fd_transport_init(&ft, atoi(argv[1]), 20000);
	err = graph_user_open(&chan, &ft.t, 1u << 16, &rt_user_impls);
	CHECK(err == 0, "open");
	err = mdl_chan_run(&chan, buf, cap);
	CHECK(err == -ESHUTDOWN, "the user side runs until the kernel side goes away");
	graph_user_close(&chan);
	free(buf);
	printf("user: %d checks, %d failures\n", rt_checks, rt_failures);
	return rt_failures ? 1 : 0;
}
