// The k-driver of test/c/trailing.test.ts: the generated kernel stubs of trailing.mdl (kernel
// flavour, user space, test/c/shim) over a SOCK_SEQPACKET socketpair to user_side.c. The
// driver's state is the area after its net_device; the u-driver sees it as dev->priv.
#include <stdlib.h>
#include <string.h>
#include "../roundtrip/check.h"
#include "../roundtrip/peer.h"
#include "kdefs.h"
#include "trl.h"
#include "mdidl_fd.h"

static int takes;

static s32 k_take(struct net_device *dev)
{
	(void)dev;
	takes++;
	return 0;
}

static const struct trl_kernel k_ops = { .trl_take = k_take };
static const struct trl_impls k_impls = { .trl_kernel = &k_ops };

int main(int argc, char **argv)
{
	struct mdl_fd_transport ft;
	struct mdl_chan chan;
	struct net_device *dev;
	struct trl_priv *tp;
	int fd;
	s32 r;
	pid_t pid;

	if (argc < 2 || (fd = rt_spawn_peer(argv[1], &pid)) < 0)
		return 2;
	mdl_fd_transport_init(&ft, fd, 20000);
	CHECK(trl_kernel_open(&chan, &ft.t, 1u << 16, &k_impls) == 0, "open");

	/* alloc_netdev's layout: the object, then the driver's area at netdev_priv(). */
	dev = calloc(1, NETDEV_PRIV_OFFSET + sizeof(struct trl_priv));
	tp = netdev_priv(dev);
	dev->flags = 0x1003;
	dev->mtu = 1500;
	tp->dev = dev;
	tp->tx_flag = 7;
	tp->kernel_only = 0x5eed;

	r = trl_ops_trl_open(dev);
	CHECK(r == 0, "the first open succeeds");
	CHECK(tp->cur_rx == 99 && tp->opens == 1, "what the u-driver writes into dev->priv lands in the area after the net_device");
	r = trl_ops_trl_open(dev);
	CHECK(r == 0, "the second open succeeds");
	CHECK(tp->cur_rx == 100 && tp->opens == 2, "the second open's writes land in the same area");
	CHECK(tp->kernel_only == 0x5eed && tp->tx_flag == 7 && tp->dev == dev, "fields outside the writes are untouched");

	r = trl_ops_trl_swap(dev);
	CHECK(r < 0, "a reply that puts another object at dev->priv is refused");
	CHECK(netdev_priv(dev) == (void *)tp && tp->opens == 2 && tp->cur_rx == 100, "and changes nothing");

	r = trl_ops_trl_forge(dev);
	CHECK(r == 0, "the u-driver saw its own net_device refused");
	CHECK(takes == 0, "the kernel never serves a net_device the u-driver made");

	r = trl_ops_trl_open(dev);
	CHECK(r == 0 && tp->opens == 3, "the channel works on after the refusals");

	close(fd);
	CHECK(rt_peer_passed(pid), "the u-driver's checks passed");
	trl_kernel_close(&chan);
	free(dev);
	printf("kernel: %d checks, %d failures\n", rt_checks, rt_failures);
	return rt_failures ? 1 : 0;
}
