// The u-driver of test/c/trailing.test.ts: the generated user stubs of trailing.mdl, where the
// net_device view has the area after the kernel's net_device as the pointer field `priv`.
#include <string.h>
#include "../roundtrip/check.h"
#include "../roundtrip/peer.h"
#include "trl.h"
#include "mdidl_fd.h"

static struct mdl_chan chan;
static struct net_device *first_dev;
static struct trl_priv *first_priv;
static u32 opens;

static s32 u_open(struct net_device *dev)
{
	struct trl_priv *tp = dev->priv;

	opens++;
	CHECK(dev->flags == 0x1003, "the owner's fields arrive");
	CHECK(tp && tp->tx_flag == 7 && tp->opens == opens - 1, "the trailing area arrives with its selected fields");
	CHECK(tp && tp->dev == dev, "the area's pointer to its owner is the owner's shadow");
	if (opens == 1) {
		first_dev = dev;
		first_priv = tp;
	} else {
		/* After the refused swap too: the kernel sends dev->priv again with the next call. */
		CHECK(dev == first_dev && tp == first_priv, "the owner and its area are the same shadows on every call");
	}
	if (tp) {
		tp->cur_rx = 98 + opens;
		tp->opens = opens;
	}
	return 0;
}

static s32 u_swap(struct net_device *dev)
{
	static struct trl_priv other;

	other.opens = 1234;
	dev->priv = &other;
	return 0;
}

static s32 u_forge(struct net_device *dev)
{
	static struct net_device mine;
	s32 r;

	CHECK(dev->mtu == 1500, "the call's reads arrive");
	/* The user side's own net_device: the kernel's would have an area after it, this one has none. */
	mine.flags = 1;
	r = trl_kernel_trl_take(&mine);
	CHECK(r < 0, "the kernel refuses a net_device the u-driver made");
	return r < 0 ? 0 : 1;
}

static const struct trl_ops u_ops = { .trl_open = u_open, .trl_swap = u_swap, .trl_forge = u_forge };
static const struct trl_impls u_impls = { .trl_ops = &u_ops };

int main(int argc, char **argv)
{
	return RT_SERVE_PEER(trl, &chan, &u_impls, argc, argv);
}
