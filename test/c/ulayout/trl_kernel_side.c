// The k-driver of test/c/ulayout.test.ts's refusals: trailing.mdl's kernel stubs (kernel flavour,
// user space, test/c/shim, under ASan/UBSan) against a u-driver with the kernel's layout. Through
// lie.h it claims areas that are not the net_device's own; the u-driver must refuse each claim and
// keep working.
#include <stdlib.h>
#include <string.h>
#include "../roundtrip/check.h"
#include "../roundtrip/peer.h"
#include "lie.h"
#include "trl.h"
#include "mdidl_fd.h"

void *ul_lie_area;

static s32 k_take(struct net_device *dev)
{
	(void)dev;
	return 0;
}

static const struct trl_kernel k_ops = { .trl_take = k_take };
static const struct trl_impls k_impls = { .trl_kernel = &k_ops };

static struct net_device *new_dev(u32 flags, u32 tx_flag)
{
	/* alloc_netdev's layout: the object, then the driver's area. */
	struct net_device *dev = calloc(1, NETDEV_PRIV_OFFSET + sizeof(struct trl_priv));
	struct trl_priv *tp = netdev_priv(dev);

	dev->flags = flags;
	tp->dev = dev;
	tp->tx_flag = tx_flag;
	return dev;
}

int main(int argc, char **argv)
{
	struct mdl_fd_transport ft;
	struct mdl_chan chan;
	struct net_device *d1, *d2;
	struct trl_priv *p1, *p2;
	int fd;
	pid_t pid;

	if (argc < 2 || (fd = rt_spawn_peer(argv[1], &pid)) < 0)
		return 2;
	mdl_fd_transport_init(&ft, fd, 20000);
	CHECK(trl_kernel_open(&chan, &ft.t, 1u << 16, &k_impls) == 0, "open");
	d1 = new_dev(0x1003, 7);
	d2 = new_dev(0x2003, 8);
	p1 = netdev_priv(d1);
	p2 = netdev_priv(d2);

	CHECK(trl_ops_trl_open(d1) == 0 && p1->opens == 1 && p1->cur_rx == 1, "the area crosses and takes the u-driver's writes");

	ul_lie_area = p2;
	CHECK(trl_ops_trl_open(d1) < 0, "a new object claimed for an area that holds one is refused");
	ul_lie_area = NULL;
	CHECK(p1->opens == 1 && p2->opens == 0, "and nothing changes");

	CHECK(trl_ops_trl_open(d2) == 0 && p2->opens == 1, "the other net_device's area crosses");
	ul_lie_area = p2;
	CHECK(trl_ops_trl_open(d1) < 0, "another net_device's area claimed for this one is refused");
	ul_lie_area = NULL;
	CHECK(p1->opens == 1 && p2->opens == 1, "and nothing changes");

	CHECK(trl_ops_trl_open(d1) == 0 && p1->opens == 2 && p1->cur_rx == 2, "the channel works on after the refusals");

	CHECK(mdl_chan_forget(&chan, p2, TRL_ID_TRL_PRIV) == 0 && mdl_chan_forget(&chan, d2, TRL_ID_NET_DEVICE) == 0,
	      "the k-driver forgets a net_device and its area");
	CHECK(trl_ops_trl_open(d1) == 0 && p1->opens == 3, "a message freeing both together is taken");
	CHECK(trl_ops_trl_open(d2) == 0 && p2->opens == 2, "and the net_device crosses anew, its area in the new shadow");

	CHECK(mdl_chan_forget(&chan, d1, TRL_ID_NET_DEVICE) == 0, "the k-driver forgets a net_device but not its area");
	CHECK(trl_ops_trl_open(d2) < 0, "freeing an owner whose area's object lives on is refused");

	close(fd);
	CHECK(rt_peer_passed(pid), "the u-driver's checks passed");
	trl_kernel_close(&chan);
	free(d1);
	free(d2);
	printf("kernel: %d checks, %d failures\n", rt_checks, rt_failures);
	return rt_failures ? 1 : 0;
}
