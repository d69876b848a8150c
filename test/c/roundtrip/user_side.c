// The u-driver of the round-trip test in user space: the generated user stubs (graph_user.c)
// serving user_impl.h's upcalls over the socketpair fd it is given, until the kernel side goes.
#include <string.h>
#include "check.h"
#include "peer.h"
#include "graph.h"
#include "mdidl_fd.h"
#include "user_impl.h"

int main(int argc, char **argv)
{
	return RT_SERVE_PEER(graph, &chan, &rt_user_impls, argc, argv);
}
