// The u-driver of the sized-buffer test (test/c/sized.test.ts): the generated user stubs of
// sized.mdl. get_strings checks what arrived (len zeroed elements: none of the kernel's stale
// bytes) and fills it with a pattern of its set; the kernel's over-bound call (set 2) must never
// arrive.
#include <stdlib.h>
#include <string.h>
#include "../roundtrip/check.h"
#include "sized.h"
#include "mdidl_fd.h"

static struct mdl_chan chan;
static u32 last_set;

static void u_get_strings(struct net_device *dev, u32 set, u8 *data, u32 len)
{
	u32 i, zero = 1;

	CHECK(dev && dev->ifindex == 7, "the net_device arrived");
	CHECK(set != 2, "the call whose length is above max(4096) never arrives");
	CHECK(set > last_set, "the calls arrive in order");
	last_set = set;
	CHECK(data != NULL && len == 100, "the buffer arrives with the kernel's length");
	if (!data)
		return;
	for (i = 0; i < len; i++)
		zero &= data[i] == 0;
	CHECK(zero, "the buffer arrives zeroed: the kernel's stale bytes never cross");
	for (i = 0; i < len; i++)
		data[i] = (u8)(i * 7 + set);
}

static const struct ops rt_user_ops = { .get_strings = u_get_strings };
static const struct sized_impls rt_user_impls = { .ops = &rt_user_ops };

int main(int argc, char **argv)
{
	struct mdl_fd_transport ft;
	size_t cap = (1u << 16) + 32;
	u8 *buf = malloc(cap);
	int err;

	if (argc < 2 || !buf)
		return 2;
	mdl_fd_transport_init(&ft, atoi(argv[1]), 20000);
	err = sized_user_open(&chan, &ft.t, 1u << 16, &rt_user_impls);
	CHECK(err == 0, "open");
	err = mdl_chan_run(&chan, buf, cap);
	CHECK(err == -ESHUTDOWN, "the user side runs until the kernel side goes away");
	CHECK(last_set == 4, "the calls of sets 1, 3 and 4 arrived");
	sized_user_close(&chan);
	free(buf);
	printf("user: %d checks, %d failures\n", rt_checks, rt_failures);
	return rt_failures ? 1 : 0;
}
