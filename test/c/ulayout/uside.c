// SPDX-License-Identifier: GPL-2.0
/*
 * The u-driver's half of test/c/ulayout.test.ts: the generated user stubs with the kernel's layout
 * (userLayout "kernel"), built from kbuild's preprocessed unit and run in user mode on
 * runtime/c/ukernel. It reads the adapter the way e1000's own code does: netdev_priv(netdev).
 */
#include <linux/module.h>
#include <linux/netdevice.h>
#include "e1000_idl.h"
#include "ul_host.h"

static struct mdl_chan chan;
static struct net_device *first_dev;

static void same_objects(struct net_device *netdev)
{
	if (!first_dev)
		first_dev = netdev;
	UL_CHECK(netdev == first_dev, "every upcall brings the same shadow of the kernel's net_device");
}

static int u_set_coalesce(struct net_device *netdev, struct ethtool_coalesce *ec,
			  struct kernel_ethtool_coalesce *kec, struct netlink_ext_ack *extack)
{
	struct e1000_adapter *adapter = netdev_priv(netdev);

	(void)kec;
	(void)extack;
	same_objects(netdev);
	UL_CHECK(ec && ec->rx_coalesce_usecs == 77, "the call's own argument arrives");
	UL_CHECK(adapter->itr == 3 && adapter->itr_setting == 4, "the adapter's fields arrive in netdev_priv()'s area, at the kernel's offsets");
	UL_CHECK(adapter->hw.mac_type == e1000_82545, "an embedded struct's field arrives at its kernel offset");
	UL_CHECK(adapter->msg_enable == 0, "a field the call does not read stays unknown (zero in a new shadow)");
	adapter->itr = 20000;
	adapter->itr_setting = 0;
	e1000_idl_netif_carrier_off(netdev);
	UL_CHECK(test_bit(__LINK_STATE_NOCARRIER, &netdev->state), "the downcall's write of dev->state comes back to the user side");
	return 0;
}

static u32 u_get_msglevel(struct net_device *netdev)
{
	struct e1000_adapter *adapter = netdev_priv(netdev);

	same_objects(netdev);
	return adapter->msg_enable;
}

static void u_set_msglevel(struct net_device *netdev, u32 data)
{
	struct e1000_adapter *adapter = netdev_priv(netdev);

	same_objects(netdev);
	adapter->msg_enable = data;
}

static const struct ethtool_ops u_ethtool = {
	.set_coalesce = u_set_coalesce,
	.get_msglevel = u_get_msglevel,
	.set_msglevel = u_set_msglevel,
};
static const struct e1000_idl_impls u_impls = { .ethtool_ops = &u_ethtool };

int main(int argc, char **argv);

int main(int argc, char **argv)
{
	size_t cap = (1u << 16) + 64;
	void *buf = kvmalloc(cap, GFP_KERNEL);
	int err;

	if (argc < 2 || !buf)
		return 2;
	err = e1000_idl_user_open(&chan, ul_attach(argv[1]), 1u << 16, &u_impls);
	UL_CHECK(err == 0, "the user side's channel opens");
	err = mdl_chan_run(&chan, buf, cap);
	UL_CHECK(err == -ESHUTDOWN, "the user side serves until the kernel side goes away");
	UL_CHECK(first_dev != NULL, "the upcalls came");
	e1000_idl_user_close(&chan);
	kvfree(buf);
	return ul_finish("user");
}
