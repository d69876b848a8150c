// The u-driver of the in-place array check: the generated user stubs of view.mdl. take() checks
// its array (a pointer into the message it was served from) before and after each of two nested
// downcalls, which carry arrays of their own and are answered by nested upcalls.
#include <string.h>
#include "../roundtrip/check.h"
#include "../roundtrip/peer.h"
#include "view.h"
#include "mdidl_fd.h"
#include "pattern.h"

static struct mdl_chan chan;

static s32 u_take(const u8 *data, u32 n, u32 depth)
{
	u8 out[VIEW_LEN];
	s32 sum = 0;

	if (!n) {
		CHECK(depth == 0, "an empty or NULL array comes only from the top-level checks");
		return data ? 200 : 100;
	}
	CHECK(view_intact(data, n, depth, 0), "take's array arrived as the kernel sent it");
	if (!depth)
		return 1;
	for (int k = 0; k < 2; k++) {
		view_fill(out, depth - 1, 1);
		sum += view_kernel_ops_give(out, VIEW_LEN, depth - 1);
		CHECK(view_intact(data, n, depth, 0), "take's array is intact after a nested downcall");
	}
	return sum + 1;
}

static s32 u_words(const u32 *w, u32 n)
{
	s32 sum = 0;

	for (u32 i = 0; i < n; i++)
		sum += (s32)w[i];
	return sum;
}

static s32 u_fill(u8 *buf, u32 n)
{
	/* The callee's own copy: writing it changes nothing the caller sees. */
	if (buf)
		memset(buf, 0xee, n);
	return (s32)n;
}

static const struct user_ops rt_user_ops = { .take = u_take, .words = u_words, .fill = u_fill };
static const struct view_impls rt_user_impls = { .user_ops = &rt_user_ops };

int main(int argc, char **argv)
{
	return RT_SERVE_PEER(view, &chan, &rt_user_impls, argc, argv);
}
