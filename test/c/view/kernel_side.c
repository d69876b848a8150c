// The k-driver of the in-place array check: the generated kernel stubs of view.mdl (kernel
// flavour, on test/c/shim). It starts take() three levels deep; give() arrives nested in that
// call (in the buffer the call's reply is awaited in) and checks its array around two nested
// upcalls of its own, which wait for their replies in other buffers.
#include <stdlib.h>
#include <string.h>
#include "../roundtrip/check.h"
#include "../roundtrip/peer.h"
#include "view.h"
#include "mdidl_fd.h"
#include "pattern.h"

static int gives;

static s32 k_give(const u8 *data, u32 n, u32 depth)
{
	u8 out[VIEW_LEN];
	s32 sum = 0;

	gives++;
	CHECK(view_intact(data, n, depth, 1), "give's array arrived as the u-driver sent it");
	if (!depth)
		return 1;
	for (int k = 0; k < 2; k++) {
		view_fill(out, depth - 1, 0);
		sum += view_user_ops_take(out, VIEW_LEN, depth - 1);
		CHECK(view_intact(data, n, depth, 1), "give's array is intact after a nested upcall");
	}
	return sum + 1;
}

static const struct kernel_ops rt_kernel_ops = { .give = k_give };
static const struct view_impls rt_kernel_impls = { .kernel_ops = &rt_kernel_ops };

int main(int argc, char **argv)
{
	static const u32 words[4] = { 1, 20, 300, 4000 };
	u8 top[VIEW_LEN], buf[16];
	struct mdl_fd_transport ft;
	struct mdl_chan chan;
	int fd;
	pid_t pid;

	if (argc < 2 || (fd = rt_spawn_peer(argv[1], &pid)) < 0)
		return 2;
	mdl_fd_transport_init(&ft, fd, 20000);
	CHECK(view_kernel_open(&chan, &ft.t, 1u << 16, &rt_kernel_impls) == 0, "open");
	view_fill(top, 3, 0);
	/* take(3): 2 give(2), each 2 take(1), each 2 give(0): 1 + 2 * (1 + 2 * (1 + 2)) calls' worth */
	CHECK(view_user_ops_take(top, VIEW_LEN, 3) == 15, "every nested call returned");
	CHECK(gives == 10, "the u-driver's downcalls were served nested, ten of them");
	CHECK(view_user_ops_take(NULL, 0, 0) == 100, "a NULL array crosses as NULL");
	CHECK(view_user_ops_take(top, 0, 0) == 200, "an empty array crosses as empty, not NULL");
	CHECK(view_user_ops_words(words, 4) == 4321, "a u32 array crosses (copied: its elements are wider than a byte)");
	memset(buf, 0x11, sizeof(buf));
	CHECK(view_user_ops_fill(buf, sizeof(buf)) == 16 && buf[0] == 0x11 && buf[15] == 0x11,
	      "an [in] array the callee may write is its own copy");
	close(fd);
	CHECK(rt_peer_passed(pid), "the u-driver's checks passed");
	view_kernel_close(&chan);
	printf("kernel: %d checks, %d failures\n", rt_checks, rt_failures);
	return rt_failures ? 1 : 0;
}
