// The u-driver of test/c/ulayout.test.ts's refusals: trailing.mdl's user stubs with the kernel's
// layout (kdefs.h's net_device, the area found by netdev_priv()), kernel flavour on test/c/shim.
#include <string.h>
#include "../roundtrip/check.h"
#include "../roundtrip/peer.h"
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
	return RT_SERVE_PEER(trl, &chan, &u_impls, argc, argv);
}
