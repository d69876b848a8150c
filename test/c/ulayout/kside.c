// SPDX-License-Identifier: GPL-2.0
/*
 * The k-driver's half of test/c/ulayout.test.ts: the generated kernel stubs of the e1000 split's
 * interface, built from kbuild's preprocessed unit and run in user mode on runtime/c/ukernel. The
 * net_device is allocated as alloc_etherdev lays it out, the adapter in the area netdev_priv() finds.
 */
#include <linux/module.h>
#include <linux/netdevice.h>
#include "e1000_idl.h"
#include "ul_host.h"

static struct net_device *carrier_dev;
static int carrier_calls;

static void k_netif_carrier_off(struct net_device *dev)
{
	carrier_calls++;
	carrier_dev = dev;
	set_bit(__LINK_STATE_NOCARRIER, &dev->state);
}

static const struct e1000_idl k_ops = { .netif_carrier_off = k_netif_carrier_off };
static const struct e1000_idl_impls k_impls = { .e1000_idl = &k_ops };

int main(int argc, char **argv);

int main(int argc, char **argv)
{
	struct ethtool_coalesce ec = { .rx_coalesce_usecs = 77 };
	struct mdl_transport *tr;
	struct e1000_adapter *adapter;
	struct net_device *dev;
	struct mdl_chan chan;
	s32 r;

	if (argc < 2)
		return 2;
	tr = ul_spawn(argv[1]);
	UL_CHECK(tr, "socketpair and fork");
	if (!tr)
		return 1;
	UL_CHECK(e1000_idl_kernel_open(&chan, tr, 1u << 16, &k_impls) == 0, "the kernel side's channel opens");

	/* alloc_etherdev(sizeof(struct e1000_adapter))'s layout. */
	dev = kzalloc(ALIGN(sizeof(struct net_device), NETDEV_ALIGN) + sizeof(struct e1000_adapter), GFP_KERNEL);
	adapter = netdev_priv(dev);
	dev->mtu = 1500;
	adapter->netdev = dev;
	adapter->hw.mac_type = e1000_82545;
	adapter->itr = 3;
	adapter->itr_setting = 4;
	adapter->msg_enable = 0x55;

	r = e1000_idl_ethtool_ops_set_coalesce(dev, &ec, NULL, NULL);
	UL_CHECK(r == 0, "the set_coalesce upcall succeeds");
	UL_CHECK(adapter->itr == 20000 && adapter->itr_setting == 0, "the u-driver's writes into its netdev_priv() land in the kernel's area");
	UL_CHECK(adapter->hw.mac_type == e1000_82545 && adapter->msg_enable == 0x55 && adapter->netdev == dev, "fields outside the writes are untouched");
	UL_CHECK(carrier_calls == 1 && carrier_dev == dev, "the u-driver's netif_carrier_off downcall reaches the kernel's own net_device");
	UL_CHECK(test_bit(__LINK_STATE_NOCARRIER, &dev->state), "and its write stays");

	UL_CHECK(e1000_idl_ethtool_ops_get_msglevel(dev) == 0x55, "get_msglevel reads the area's field on the user side");
	e1000_idl_ethtool_ops_set_msglevel(dev, 0x77);
	UL_CHECK(adapter->msg_enable == 0x77, "set_msglevel's write comes back into the area");
	UL_CHECK(e1000_idl_ethtool_ops_get_msglevel(dev) == 0x77, "and the user side's copy is the same");

	r = ul_finish("kernel");
	e1000_idl_kernel_close(&chan);
	kfree(dev);
	return r;
}
