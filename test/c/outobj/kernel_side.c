// The k-driver of the [out] T ** test (test/c/outobj.test.ts): the generated kernel stubs of
// outobj.mdl (kernel flavour, on test/c/shim) ask the u-driver for its objects. Each answer is the
// u-driver's object as a shadow in the kernel's table: the same pointer for the same object, with
// the fields the writes name, still readable after the call (AddressSanitizer would see a copy
// freed with the reply).
#include <stdlib.h>
#include <string.h>
#include "../roundtrip/check.h"
#include "../roundtrip/peer.h"
#include "outobj.h"
#include "mdidl_fd.h"

int main(int argc, char **argv)
{
	struct mdl_fd_transport ft;
	struct mdl_chan chan;
	struct priv *a = NULL, *b = NULL, *again = NULL, *p = NULL;
	int fd;
	pid_t pid;

	if (argc < 2 || (fd = rt_spawn_peer(argv[1], &pid)) < 0)
		return 2;
	mdl_fd_transport_init(&ft, fd, 20000);
	CHECK(outobj_kernel_open(&chan, &ft.t, 1u << 16, NULL) == 0, "open");

	CHECK(outobj_ops_lookup(0, &a) == 0 && a != NULL, "lookup 0 answers an object");
	CHECK(a && a->flags == 3 && a->mtu == 1500, "its fields arrived");
	CHECK(outobj_ops_lookup(1, &b) == 0 && b != NULL && b != a, "lookup 1 answers another object");
	CHECK(b && b->flags == 5 && b->mtu == 9000, "with its own fields");
	CHECK(outobj_ops_lookup(0, &again) == 0 && again == a, "lookup 0 again answers the same object");
	CHECK(a && a->mtu == 1500, "which the u-driver changed only after answering");
	CHECK(outobj_ops_lookup(0, &again) == 0 && again == a && a && a->mtu == 576, "the change reaches the same object with the next answer");
	CHECK(outobj_ops_peek(1, &p) == 0 && p == b, "peek answers the object lookup did");
	CHECK(b && b->flags == 5 && b->mtu == 9000, "peek's writes carry flags alone: the kernel's mtu stays");
	CHECK(outobj_ops_lookup(7, &p) == -22, "an error from the u-driver comes back as it is");

	close(fd);
	CHECK(rt_peer_passed(pid), "the u-driver's checks passed");
	outobj_kernel_close(&chan);
	printf("kernel: %d checks, %d failures\n", rt_checks, rt_failures);
	return rt_failures ? 1 : 0;
}
