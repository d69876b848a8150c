/* nic.h - the simulated NIC driver's interface, annotated for mdidl (see docs/annotations.md).
 * `npm run demo` lowers it to nic.mdl: the interrupt handler, transmit and receive stay in the
 * kernel; open, stop, MTU changes and ethtool move to the u-driver. */
#pragma once
#include <mdidl.h>

typedef unsigned char u8;
typedef unsigned int u32;
typedef int s32;
typedef unsigned long long u64;

#define ETH_ALEN 6
#define IFNAMSIZ 16

struct sk_buff;

struct nic_priv {
	u32 msg_enable;
	u32 rx_ring_size;
	u32 tx_ring_size;
	u64 rx_packets;
	u64 tx_packets;
	u64 rx_missed;
	u32 tx_next MDL_SKIP;	/* ring state: only the critical path touches it */
	u32 rx_next MDL_SKIP;
};

struct net_device {
	char name[IFNAMSIZ] MDL_STRING;
	u32 flags;
	u32 mtu;
	u8 dev_addr[ETH_ALEN];
	u32 irq;
	struct nic_priv *priv;
};

struct ethtool_drvinfo {
	char driver[32] MDL_STRING;
	char version[32] MDL_STRING;
	char bus_info[32] MDL_STRING;
};

struct link_stats {
	u64 rx_packets;
	u64 tx_packets;
	u64 rx_missed;
};

struct net_device_ops {
	MDL_UPCALL int (*ndo_open)(struct net_device *dev)
		MDL_READS(dev->name, dev->flags, dev->irq, dev->priv->msg_enable)
		MDL_WRITES(dev->flags, dev->dev_addr, dev->priv->rx_ring_size, dev->priv->tx_ring_size);
	MDL_UPCALL int (*ndo_stop)(struct net_device *dev) MDL_READS(dev->flags, dev->irq) MDL_WRITES(dev->flags);
	MDL_UPCALL int (*ndo_change_mtu)(struct net_device *dev, int new_mtu) MDL_READS(dev->mtu, dev->flags) MDL_WRITES(dev->mtu);
	MDL_CRITICAL int (*ndo_start_xmit)(struct sk_buff *skb MDL_OPAQUE, struct net_device *dev);
};

struct ethtool_ops {
	MDL_UPCALL void (*get_drvinfo)(struct net_device *dev, struct ethtool_drvinfo *info MDL_OUT) MDL_READS(dev->name) MDL_WRITES(info->*);
	MDL_UPCALL void (*get_stats)(struct net_device *dev, struct link_stats *stats MDL_OUT)
		MDL_READS(dev->priv->rx_packets, dev->priv->tx_packets, dev->priv->rx_missed) MDL_WRITES(stats->*);
};

/* Kernel services the u-driver calls. */
MDL_DOWNCALL int request_irq(u32 irq, const char *name MDL_STRING_MAX(16), struct net_device *dev) MDL_READS() MDL_WRITES();
MDL_DOWNCALL void free_irq(u32 irq, struct net_device *dev) MDL_READS() MDL_WRITES();
MDL_DOWNCALL int nic_setup_rings(struct net_device *dev, u32 rx_size, u32 tx_size) MDL_READS() MDL_WRITES();
MDL_DOWNCALL void nic_read_mac(struct net_device *dev, u8 *mac MDL_OUT MDL_COUNT(ETH_ALEN)) MDL_READS() MDL_WRITES();
MDL_DOWNCALL void nic_enable(struct net_device *dev, _Bool on) MDL_READS() MDL_WRITES();
MDL_DOWNCALL void netif_carrier_on(struct net_device *dev) MDL_READS() MDL_WRITES();
MDL_DOWNCALL void netif_start_queue(struct net_device *dev) MDL_READS() MDL_WRITES();
MDL_DOWNCALL void netif_stop_queue(struct net_device *dev) MDL_READS() MDL_WRITES();
