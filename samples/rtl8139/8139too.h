/* 8139too.h - the RealTek 8139 driver's interface, annotated for mdidl (see docs/annotations.md).
 * Written for this project after Linux 6.1's drivers/net/ethernet/realtek/8139too.c: the private
 * state keeps the real driver's field names and types, the kernel structs only what the driver
 * touches. The split is the Microdrivers paper's: the interrupt handler, transmit, receive (NAPI
 * poll) and transmit completion stay in the kernel; probe, open, close, remove, ethtool and the
 * statistics the driver reads outside the fast path move to the u-driver. */
#pragma once
#include <mdidl.h>

typedef unsigned char u8;
typedef unsigned short u16;
typedef unsigned int u32;
typedef unsigned long long u64;
typedef unsigned long long dma_addr_t;

#define ETH_ALEN 6
#define IFNAMSIZ 16
#define NUM_TX_DESC 4
#define RTL8139_STATS 4

struct sk_buff;
struct napi_struct;
struct delayed_work;

/* The spinlocks only the k-driver takes: the u-driver reaches shared counters through downcalls. */
typedef struct {
	u32 raw_lock;
} spinlock_t;

struct u64_stats_sync {
	u32 seq;
};

/* The real driver writes `typedef enum { ... } chip_t;`; lower names that anonymous enum after its
 * typedef twice (a duplicate declaration), so the enum is named here. */
enum chip_t {
	CH_8139 = 0,
	CH_8139_K,
	CH_8139A,
	CH_8139A_G,
	CH_8139B,
	CH_8130,
	CH_8139C,
	CH_8100,
	CH_8100B_8139D,
	CH_8101,
};

struct rtl8139_stats {
	u64 packets;
	u64 bytes;
	struct u64_stats_sync syncp MDL_SKIP;
};

struct rtl_extra_stats {
	unsigned long early_rx;
	unsigned long tx_buf_mapped;
	unsigned long tx_timeouts;
	unsigned long rx_lost_in_ring;
};

struct mii_if_info {
	int phy_id;
	int advertising;
	int phy_id_mask;
	int reg_num_mask;
	unsigned int full_duplex : 1;
	unsigned int force_media : 1;
	unsigned int supports_gmii : 1;
};

struct rtl8139_private {
	void *mmio_addr MDL_OPAQUE;
	int drv_flags;
	struct pci_dev *pci_dev MDL_OPAQUE;
	u32 msg_enable;
	struct napi_struct *napi MDL_OPAQUE;
	struct net_device *dev MDL_OPAQUE;

	unsigned char *rx_ring MDL_OPAQUE;	/* the DMA ring: only the critical path reads it */
	unsigned int cur_rx;
	struct rtl8139_stats rx_stats;
	dma_addr_t rx_ring_dma;

	unsigned int tx_flag;
	unsigned long cur_tx;
	unsigned long dirty_tx;
	struct rtl8139_stats tx_stats;
	unsigned char *tx_buf[NUM_TX_DESC] MDL_SKIP;
	unsigned char *tx_bufs MDL_OPAQUE;
	dma_addr_t tx_bufs_dma;

	signed char phys[4];
	char twistie, twist_row, twist_col;

	unsigned int watchdog_fired : 1;
	unsigned int default_port : 4;
	unsigned int have_thread : 1;

	spinlock_t lock MDL_SKIP;
	spinlock_t rx_lock MDL_SKIP;

	enum chip_t chipset;
	u32 rx_config;
	struct rtl_extra_stats xstats;

	struct delayed_work *thread MDL_OPAQUE;

	struct mii_if_info mii;
	unsigned int regs_len;
	unsigned long fifo_copy_timeout;
};

/* The parts of struct net_device the driver touches; `priv` is netdev_priv(dev). */
struct net_device_stats {
	unsigned long rx_errors;
	unsigned long tx_errors;
	unsigned long rx_dropped;
	unsigned long tx_dropped;
	unsigned long rx_length_errors;
	unsigned long rx_crc_errors;
	unsigned long rx_frame_errors;
	unsigned long rx_fifo_errors;
	unsigned long rx_missed_errors;
	unsigned long tx_aborted_errors;
	unsigned long tx_carrier_errors;
	unsigned long tx_fifo_errors;
	unsigned long tx_window_errors;
	unsigned long collisions;
};

struct net_device {
	char name[IFNAMSIZ] MDL_STRING;
	unsigned int flags;
	u64 features;
	u64 hw_features;
	unsigned int mtu;
	u8 dev_addr[ETH_ALEN];
	int irq;
	struct net_device_stats stats;
	struct rtl8139_private *priv;
};

struct pci_dev {
	u16 vendor;
	u16 device;
	u8 revision;
	unsigned int irq;
	char slot_name[16] MDL_STRING;
	struct net_device *driver_data;	/* pci_get_drvdata(): allocated by the k-driver's probe half */
};

struct pci_device_id {
	u32 vendor;
	u32 device;
	unsigned long driver_data;
};

struct rtnl_link_stats64 {
	u64 rx_packets;
	u64 tx_packets;
	u64 rx_bytes;
	u64 tx_bytes;
	u64 rx_errors;
	u64 tx_errors;
	u64 rx_dropped;
	u64 tx_dropped;
	u64 collisions;
	u64 rx_length_errors;
	u64 rx_crc_errors;
	u64 rx_fifo_errors;
	u64 rx_missed_errors;
};

struct ethtool_drvinfo {
	char driver[32] MDL_STRING;
	char version[32] MDL_STRING;
	char bus_info[32] MDL_STRING;
	u32 regdump_len;
};

struct ethtool_regs {
	u32 cmd;
	u32 version;
	u32 len;
};

struct pci_driver {
	MDL_UPCALL int (*probe)(struct pci_dev *pdev, const struct pci_device_id *ent)
		MDL_READS(pdev->vendor, pdev->device, pdev->revision, pdev->irq, pdev->slot_name, pdev->driver_data->name,
			  pdev->driver_data->priv->msg_enable, ent->*)
		MDL_WRITES(pdev->driver_data->dev_addr, pdev->driver_data->irq, pdev->driver_data->hw_features,
			   pdev->driver_data->features, pdev->driver_data->priv->chipset, pdev->driver_data->priv->drv_flags,
			   pdev->driver_data->priv->regs_len, pdev->driver_data->priv->mii, pdev->driver_data->priv->phys,
			   pdev->driver_data->priv->tx_flag);
	MDL_UPCALL void (*remove)(struct pci_dev *pdev) MDL_READS(pdev->driver_data->name) MDL_WRITES();
};

struct net_device_ops {
	MDL_UPCALL int (*ndo_open)(struct net_device *dev)
		MDL_READS(dev->name, dev->flags, dev->irq, dev->features, dev->dev_addr, dev->priv->chipset, dev->priv->rx_ring_dma,
			  dev->priv->tx_bufs_dma, dev->priv->tx_flag, dev->priv->mii)
		MDL_WRITES(dev->flags, dev->priv->rx_config, dev->priv->cur_rx, dev->priv->cur_tx, dev->priv->dirty_tx,
			   dev->priv->rx_ring_dma, dev->priv->tx_bufs_dma, dev->priv->mii.full_duplex);
	MDL_UPCALL int (*ndo_stop)(struct net_device *dev) MDL_READS(dev->name, dev->flags, dev->irq, dev->priv->chipset) MDL_WRITES(dev->flags);
	MDL_CRITICAL int (*ndo_start_xmit)(struct sk_buff *skb MDL_OPAQUE, struct net_device *dev);
	MDL_UPCALL void (*ndo_get_stats64)(struct net_device *dev, struct rtnl_link_stats64 *stats MDL_OUT)
		MDL_READS(dev->flags, dev->stats, dev->priv->rx_stats, dev->priv->tx_stats) MDL_WRITES(stats->*);
	MDL_UPCALL int (*ndo_set_features)(struct net_device *dev, u64 features)
		MDL_READS(dev->features, dev->priv->rx_config) MDL_WRITES(dev->features, dev->priv->rx_config);
	MDL_UPCALL int (*ndo_set_mac_address)(struct net_device *dev, const u8 *addr MDL_COUNT(ETH_ALEN))
		MDL_READS() MDL_WRITES(dev->dev_addr);
};

struct ethtool_ops {
	MDL_UPCALL void (*get_drvinfo)(struct net_device *dev, struct ethtool_drvinfo *info MDL_OUT)
		MDL_READS(dev->priv->regs_len) MDL_WRITES(info->*);
	MDL_UPCALL int (*get_regs_len)(struct net_device *dev) MDL_READS(dev->priv->regs_len) MDL_WRITES();
	MDL_UPCALL void (*get_regs)(struct net_device *dev, struct ethtool_regs *regs MDL_INOUT, unsigned char *p MDL_OUT MDL_COUNT(256))
		MDL_READS(dev->priv->regs_len, regs->*) MDL_WRITES(regs->version, regs->len);
	MDL_UPCALL int (*nway_reset)(struct net_device *dev) MDL_READS() MDL_WRITES();
	MDL_UPCALL u32 (*get_link)(struct net_device *dev) MDL_READS() MDL_WRITES();
	MDL_UPCALL u32 (*get_msglevel)(struct net_device *dev) MDL_READS(dev->priv->msg_enable) MDL_WRITES();
	MDL_UPCALL void (*set_msglevel)(struct net_device *dev, u32 datum) MDL_READS() MDL_WRITES(dev->priv->msg_enable);
	MDL_UPCALL void (*get_ethtool_stats)(struct net_device *dev, u64 *data MDL_OUT MDL_COUNT(RTL8139_STATS))
		MDL_READS(dev->priv->xstats) MDL_WRITES();
};

/* The critical path: it never leaves the kernel. */
MDL_CRITICAL int rtl8139_interrupt(int irq, struct net_device *dev_instance);
MDL_CRITICAL int rtl8139_poll(struct napi_struct *napi MDL_OPAQUE, int budget);

/* Kernel services, and the k-driver's own helpers the u-driver calls. Register access crosses
 * as downcalls: the device's registers are mapped in the kernel only. */
MDL_DOWNCALL u8 rtl_r8(struct rtl8139_private *tp, u32 reg) MDL_READS() MDL_WRITES();
MDL_DOWNCALL u16 rtl_r16(struct rtl8139_private *tp, u32 reg) MDL_READS() MDL_WRITES();
MDL_DOWNCALL u32 rtl_r32(struct rtl8139_private *tp, u32 reg) MDL_READS() MDL_WRITES();
MDL_DOWNCALL void rtl_w8(struct rtl8139_private *tp, u32 reg, u8 val) MDL_READS() MDL_WRITES();
MDL_DOWNCALL void rtl_w16(struct rtl8139_private *tp, u32 reg, u16 val) MDL_READS() MDL_WRITES();
MDL_DOWNCALL void rtl_w32(struct rtl8139_private *tp, u32 reg, u32 val) MDL_READS() MDL_WRITES();
MDL_DOWNCALL int pci_enable_device(struct pci_dev *pdev) MDL_READS() MDL_WRITES();
MDL_DOWNCALL void pci_disable_device(struct pci_dev *pdev) MDL_READS() MDL_WRITES();
MDL_DOWNCALL void pci_set_master(struct pci_dev *pdev) MDL_READS() MDL_WRITES();
MDL_DOWNCALL int pci_iomap(struct pci_dev *pdev, struct rtl8139_private *tp) MDL_READS() MDL_WRITES();
MDL_DOWNCALL int register_netdev(struct net_device *dev) MDL_READS(dev->dev_addr) MDL_WRITES(dev->name);
MDL_DOWNCALL void unregister_netdev(struct net_device *dev) MDL_READS() MDL_WRITES();
MDL_DOWNCALL int request_irq(unsigned int irq, const char *name MDL_STRING_MAX(16), struct net_device *dev) MDL_READS() MDL_WRITES();
MDL_DOWNCALL void free_irq(unsigned int irq, struct net_device *dev) MDL_READS() MDL_WRITES();
MDL_DOWNCALL int rtl8139_alloc_rings(struct rtl8139_private *tp) MDL_READS() MDL_WRITES(tp->rx_ring_dma, tp->tx_bufs_dma);
MDL_DOWNCALL void rtl8139_free_rings(struct rtl8139_private *tp) MDL_READS() MDL_WRITES(tp->rx_ring_dma, tp->tx_bufs_dma);
MDL_DOWNCALL void napi_enable(struct rtl8139_private *tp) MDL_READS() MDL_WRITES();
MDL_DOWNCALL void napi_disable(struct rtl8139_private *tp) MDL_READS() MDL_WRITES();
MDL_DOWNCALL void netif_start_queue(struct net_device *dev) MDL_READS() MDL_WRITES();
MDL_DOWNCALL void netif_stop_queue(struct net_device *dev) MDL_READS() MDL_WRITES();
MDL_DOWNCALL void netif_carrier_on(struct net_device *dev) MDL_READS() MDL_WRITES();
MDL_DOWNCALL void netif_carrier_off(struct net_device *dev) MDL_READS() MDL_WRITES();
/* The RxMissed counter is read-and-cleared under tp->lock, which the interrupt path also takes. */
MDL_DOWNCALL void rtl8139_collect_missed(struct net_device *dev) MDL_READS() MDL_WRITES(dev->stats.rx_missed_errors);
