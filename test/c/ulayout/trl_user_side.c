// The u-driver of test/c/ulayout.test.ts's refusals: trailing.mdl's user stubs with the kernel's
// layout (kdefs.h's net_device, the area found by netdev_priv()), kernel flavour on test/c/shim.
#include <stdlib.h>
#include <string.h>
#include "../roundtrip/check.h"
#include "kdefs.h"
#include "trl.h"
#include "mdidl_fd.h"

static struct mdl_chan chan;

static s32 u_open(struct net_device *dev)
{
	struct trl_priv *tp = netdev_priv(dev);

	CHECK(tp->dev == dev, "the area's pointer to its owner is the owner's shadow");
	CHECK(tp->tx_flag == (dev->flags == 0x1003 ? 7u : 8u), "the area's fields arrive in netdev_priv()'s area");
	tp->opens++;
	tp->cur_rx = tp->opens;
	return 0;
}

static const struct trl_ops u_ops = { .trl_open = u_open };
static const struct trl_impls u_impls = { .trl_ops = &u_ops };

int main(int argc, char **argv)
{
	struct mdl_fd_transport ft;
	size_t cap = (1u << 16) + 32;
	u8 *buf = malloc(cap);
	int err;

	if (argc < 2 || !buf)
		return 2;
	mdl_fd_transport_init(&ft, atoi(argv[1]), 20000);
	err = trl_user_open(&chan, &ft.t, 1u << 16, &u_impls);
	CHECK(err == 0, "open");
	err = mdl_chan_run(&chan, buf, cap);
	CHECK(err == -ESHUTDOWN, "the user side runs until the kernel side goes away");
	trl_user_close(&chan);
	free(buf);
	printf("user: %d checks, %d failures\n", rt_checks, rt_failures);
	return rt_failures ? 1 : 0;
}
