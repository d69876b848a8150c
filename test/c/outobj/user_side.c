// The u-driver of the [out] T ** test (test/c/outobj.test.ts): the generated user stubs of
// outobj.mdl. lookup and peek point the kernel's box at one of two objects of its own, and change
// the first before the fourth answer, so the kernel can see the same object again with new fields.
#include <stdlib.h>
#include <string.h>
#include "../roundtrip/check.h"
#include "outobj.h"
#include "mdidl_fd.h"

static struct mdl_chan chan;
static struct priv privs[2] = { { .flags = 3, .mtu = 1500 }, { .flags = 5, .mtu = 9000 } };
static int served;

static s32 u_lookup(u32 id, struct priv **found)
{
	CHECK(found != NULL && *found == NULL, "the box arrives, holding NULL");
	/* Before the fourth answer, object 0 changes: the kernel must see it in its shadow. */
	if (served++ == 3)
		privs[0].mtu = 576;
	if (id > 1 || !found)
		return -22;
	*found = &privs[id];
	return 0;
}

static s32 u_peek(u32 id, struct priv **found)
{
	privs[1].mtu = 1;
	return u_lookup(id, found);
}

static const struct ops rt_user_ops = { .lookup = u_lookup, .peek = u_peek };
static const struct outobj_impls rt_user_impls = { .ops = &rt_user_ops };

int main(int argc, char **argv)
{
	struct mdl_fd_transport ft;
	size_t cap = (1u << 16) + 32;
	u8 *buf = malloc(cap);
	int err;

	if (argc < 2 || !buf)
		return 2;
	mdl_fd_transport_init(&ft, atoi(argv[1]), 20000);
	err = outobj_user_open(&chan, &ft.t, 1u << 16, &rt_user_impls);
	CHECK(err == 0, "open");
	err = mdl_chan_run(&chan, buf, cap);
	CHECK(err == -ESHUTDOWN, "the user side runs until the kernel side goes away");
	outobj_user_close(&chan);
	free(buf);
	printf("user: %d checks, %d failures\n", rt_checks, rt_failures);
	return rt_failures ? 1 : 0;
}
