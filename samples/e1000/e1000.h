/* e1000.h - the Intel PRO/1000 (e1000) driver's interface, annotated for mdidl (see
 * docs/annotations.md). Written for this project after Linux 6.1's drivers/net/ethernet/intel/e1000
 * (e1000.h, e1000_hw.h): the adapter and hardware state keep the real driver's field names and
 * types (the fields this sample's driver uses), the kernel structs only what it touches. The split
 * is the Microdrivers paper's: the interrupt handler, transmit and the NAPI poll (receive and
 * transmit cleanup) stay in the kernel; probe, open, close, remove, ethtool and the watchdog that
 * reads the statistics registers move to the u-driver. */
#pragma once
#include <mdidl.h>

typedef unsigned char u8;
typedef unsigned short u16;
typedef unsigned int u32;
typedef unsigned long long u64;
typedef unsigned long long dma_addr_t;

#define ETH_ALEN 6
#define IFNAMSIZ 16
#define NODE_ADDRESS_SIZE 6
#define E1000_STATS_LEN 10

struct sk_buff;
struct napi_struct;
struct delayed_work;
struct e1000_tx_buffer;
struct e1000_rx_buffer;

typedef struct {
	u32 raw_lock;
} spinlock_t;

/* Named here: lower gives an anonymous enum behind a typedef the typedef's name twice. */
enum e1000_mac_type {
	e1000_undefined = 0,
	e1000_82542_rev2_0,
	e1000_82542_rev2_1,
	e1000_82543,
	e1000_82544,
	e1000_82540,
	e1000_82545,
	e1000_82545_rev_3,
	e1000_82546,
	e1000_ce4100,
	e1000_82546_rev_3,
	e1000_82541,
	e1000_82541_rev_2,
	e1000_82547,
	e1000_82547_rev_2,
	e1000_num_macs,
};

enum e1000_media_type {
	e1000_media_type_copper = 0,
	e1000_media_type_fiber = 1,
	e1000_media_type_internal_serdes = 2,
	e1000_num_media_types,
};

enum e1000_fc_type {
	E1000_FC_NONE = 0,
	E1000_FC_RX_PAUSE = 1,
	E1000_FC_TX_PAUSE = 2,
	E1000_FC_FULL = 3,
	E1000_FC_DEFAULT = 0xFF,
};

struct e1000_eeprom_info {
	u32 type;
	u16 word_size;
	u16 opcode_bits;
	u16 address_bits;
	u16 delay_usec;
	u16 page_size;
};

struct e1000_hw {
	u8 *hw_addr MDL_OPAQUE;
	enum e1000_mac_type mac_type;
	enum e1000_media_type media_type;
	void *back MDL_OPAQUE;
	enum e1000_fc_type fc;
	struct e1000_eeprom_info eeprom;
	u32 phy_id;
	u32 max_frame_size;
	u32 min_frame_size;
	u16 device_id;
	u16 vendor_id;
	u16 subsystem_id;
	u16 subsystem_vendor_id;
	u8 revision_id;
	u8 autoneg;
	u8 mac_addr[NODE_ADDRESS_SIZE];
	u8 perm_mac_addr[NODE_ADDRESS_SIZE];
	_Bool get_link_status;
};

/* The statistics registers the watchdog accumulates (they clear when read). */
struct e1000_hw_stats {
	u64 crcerrs;
	u64 algnerrc;
	u64 symerrs;
	u64 rxerrc;
	u64 mpc;
	u64 gprc;
	u64 gptc;
	u64 gorcl;
	u64 gotcl;
	u64 rnbc;
	u64 tpr;
	u64 tpt;
};

struct e1000_tx_ring {
	void *desc MDL_OPAQUE;
	dma_addr_t dma;
	unsigned int size;
	unsigned int count;
	unsigned int next_to_use;
	unsigned int next_to_clean;
	struct e1000_tx_buffer *buffer_info MDL_OPAQUE;
	u16 tdh;
	u16 tdt;
	_Bool last_tx_tso;
};

struct e1000_rx_ring {
	void *desc MDL_OPAQUE;
	dma_addr_t dma;
	unsigned int size;
	unsigned int count;
	unsigned int next_to_use;
	unsigned int next_to_clean;
	struct e1000_rx_buffer *buffer_info MDL_OPAQUE;
	struct sk_buff *rx_skb_top MDL_OPAQUE;
	int cpu;
	u16 rdh;
	u16 rdt;
};

struct e1000_adapter {
	u32 bd_number;
	u32 rx_buffer_len;
	u32 wol;
	u16 link_speed;
	u16 link_duplex;
	spinlock_t stats_lock MDL_SKIP;
	unsigned int total_tx_bytes;
	unsigned int total_tx_packets;
	unsigned int total_rx_bytes;
	unsigned int total_rx_packets;
	u32 itr;
	u32 itr_setting;

	struct e1000_tx_ring *tx_ring;
	unsigned int restart_queue;
	u32 txd_cmd;
	u32 tx_timeout_count;

	struct e1000_rx_ring *rx_ring;
	struct napi_struct *napi MDL_OPAQUE;
	int num_tx_queues;
	int num_rx_queues;
	u32 alloc_rx_buff_failed;
	_Bool rx_csum;

	struct net_device *netdev MDL_OPAQUE;
	struct pci_dev *pdev MDL_OPAQUE;

	struct e1000_hw hw;
	struct e1000_hw_stats stats;

	int msg_enable;
	unsigned long flags;
	struct delayed_work *watchdog_task MDL_OPAQUE;
};

struct net_device_stats {
	unsigned long rx_packets;
	unsigned long tx_packets;
	unsigned long rx_bytes;
	unsigned long tx_bytes;
	unsigned long rx_errors;
	unsigned long tx_errors;
	unsigned long rx_crc_errors;
	unsigned long rx_missed_errors;
	unsigned long rx_frame_errors;
};

struct net_device {
	char name[IFNAMSIZ] MDL_STRING;
	unsigned int flags;
	unsigned int mtu;
	u8 dev_addr[ETH_ALEN];
	int irq;
	struct net_device_stats stats;
	struct e1000_adapter *priv;	/* netdev_priv(dev) */
};

struct pci_dev {
	u16 vendor;
	u16 device;
	u16 subsystem_vendor;
	u16 subsystem_device;
	u8 revision;
	unsigned int irq;
	struct net_device *driver_data;
};

struct pci_device_id {
	u32 vendor;
	u32 device;
	unsigned long driver_data;
};

struct ethtool_drvinfo {
	char driver[32] MDL_STRING;
	char version[32] MDL_STRING;
	char fw_version[32] MDL_STRING;
	char bus_info[32] MDL_STRING;
	u32 n_stats;
	u32 eedump_len;
};

struct ethtool_ringparam {
	u32 rx_max_pending;
	u32 tx_max_pending;
	u32 rx_pending;
	u32 tx_pending;
};

struct ethtool_eeprom {
	u32 magic;
	u32 offset;
	u32 len;
};

struct pci_driver {
	MDL_UPCALL int (*probe)(struct pci_dev *pdev, const struct pci_device_id *ent)
		MDL_READS(pdev->vendor, pdev->device, pdev->subsystem_vendor, pdev->subsystem_device, pdev->revision, pdev->irq,
			  pdev->driver_data->priv->bd_number, ent->*)
		MDL_WRITES(pdev->driver_data->dev_addr, pdev->driver_data->irq, pdev->driver_data->mtu,
			   pdev->driver_data->priv->hw, pdev->driver_data->priv->rx_buffer_len, pdev->driver_data->priv->itr_setting,
			   pdev->driver_data->priv->num_tx_queues, pdev->driver_data->priv->num_rx_queues,
			   pdev->driver_data->priv->rx_csum, pdev->driver_data->priv->msg_enable,
			   pdev->driver_data->priv->tx_ring->count, pdev->driver_data->priv->rx_ring->count);
	MDL_UPCALL void (*remove)(struct pci_dev *pdev) MDL_READS(pdev->driver_data->name) MDL_WRITES();
};

struct net_device_ops {
	MDL_UPCALL int (*ndo_open)(struct net_device *dev)
		MDL_READS(dev->name, dev->irq, dev->dev_addr, dev->priv->hw.mac_type, dev->priv->rx_buffer_len,
			  dev->priv->tx_ring->*, dev->priv->rx_ring->*, dev->priv->itr_setting)
		MDL_WRITES(dev->priv->txd_cmd, dev->priv->itr, dev->priv->link_speed, dev->priv->link_duplex,
			   dev->priv->hw.get_link_status);
	MDL_UPCALL int (*ndo_stop)(struct net_device *dev) MDL_READS(dev->name, dev->irq) MDL_WRITES();
	MDL_CRITICAL int (*ndo_start_xmit)(struct sk_buff *skb MDL_OPAQUE, struct net_device *dev);
};

struct ethtool_ops {
	MDL_UPCALL void (*get_drvinfo)(struct net_device *dev, struct ethtool_drvinfo *info MDL_OUT) MDL_READS() MDL_WRITES(info->*);
	MDL_UPCALL u32 (*get_link)(struct net_device *dev) MDL_READS(dev->priv->hw.media_type) MDL_WRITES();
	MDL_UPCALL void (*get_ringparam)(struct net_device *dev, struct ethtool_ringparam *ring MDL_OUT)
		MDL_READS(dev->priv->tx_ring->count, dev->priv->rx_ring->count) MDL_WRITES(ring->*);
	MDL_UPCALL u32 (*get_msglevel)(struct net_device *dev) MDL_READS(dev->priv->msg_enable) MDL_WRITES();
	MDL_UPCALL void (*set_msglevel)(struct net_device *dev, u32 data) MDL_READS() MDL_WRITES(dev->priv->msg_enable);
	MDL_UPCALL int (*get_eeprom_len)(struct net_device *dev) MDL_READS(dev->priv->hw.eeprom.word_size) MDL_WRITES();
	MDL_UPCALL int (*get_eeprom)(struct net_device *dev, struct ethtool_eeprom *eeprom MDL_INOUT, u8 *bytes MDL_OUT MDL_COUNT(128))
		MDL_READS(dev->priv->hw.eeprom.word_size, dev->priv->hw.vendor_id, dev->priv->hw.device_id, eeprom->*) MDL_WRITES(eeprom->magic, eeprom->len);
	MDL_UPCALL void (*get_ethtool_stats)(struct net_device *dev, u64 *data MDL_OUT MDL_COUNT(E1000_STATS_LEN))
		MDL_READS(dev->stats, dev->priv->stats) MDL_WRITES();
};

/* The critical path: it never leaves the kernel. */
MDL_CRITICAL int e1000_intr(int irq, struct net_device *data);
MDL_CRITICAL int e1000_clean(struct napi_struct *napi MDL_OPAQUE, int budget);

/* The watchdog, run every two seconds (and on a link change) from a work item, in process
 * context: it reads the link and accumulates the statistics registers, which clear when read. */
MDL_UPCALL void e1000_watchdog(struct net_device *netdev)
	MDL_READS(netdev->priv->hw.mac_type, netdev->priv->hw.get_link_status, netdev->priv->stats, netdev->priv->link_speed)
	MDL_WRITES(netdev->priv->stats, netdev->priv->hw.get_link_status, netdev->priv->link_speed, netdev->priv->link_duplex);

/* Kernel services, and the k-driver's own helpers the u-driver calls. Register access crosses
 * as downcalls (er32/ew32): the device's registers are mapped in the kernel only. */
MDL_DOWNCALL u32 e1000_read_reg(struct e1000_hw *hw, u32 reg) MDL_READS() MDL_WRITES();
MDL_DOWNCALL void e1000_write_reg(struct e1000_hw *hw, u32 reg, u32 value) MDL_READS() MDL_WRITES();
MDL_DOWNCALL int pci_enable_device(struct pci_dev *pdev) MDL_READS() MDL_WRITES();
MDL_DOWNCALL void pci_disable_device(struct pci_dev *pdev) MDL_READS() MDL_WRITES();
MDL_DOWNCALL void pci_set_master(struct pci_dev *pdev) MDL_READS() MDL_WRITES();
MDL_DOWNCALL int pci_ioremap_bar(struct pci_dev *pdev, struct e1000_hw *hw) MDL_READS() MDL_WRITES();
MDL_DOWNCALL int register_netdev(struct net_device *dev) MDL_READS(dev->dev_addr) MDL_WRITES(dev->name);
MDL_DOWNCALL void unregister_netdev(struct net_device *dev) MDL_READS() MDL_WRITES();
MDL_DOWNCALL int request_irq(unsigned int irq, const char *name MDL_STRING_MAX(16), struct net_device *dev) MDL_READS() MDL_WRITES();
MDL_DOWNCALL void free_irq(unsigned int irq, struct net_device *dev) MDL_READS() MDL_WRITES();
/* Descriptor rings and buffers live in kernel memory; the critical path refills them. */
MDL_DOWNCALL int e1000_setup_all_tx_resources(struct e1000_adapter *adapter) MDL_READS() MDL_WRITES(adapter->tx_ring->*);
MDL_DOWNCALL int e1000_setup_all_rx_resources(struct e1000_adapter *adapter) MDL_READS() MDL_WRITES(adapter->rx_ring->*);
MDL_DOWNCALL void e1000_free_all_tx_resources(struct e1000_adapter *adapter) MDL_READS() MDL_WRITES();
MDL_DOWNCALL void e1000_free_all_rx_resources(struct e1000_adapter *adapter) MDL_READS() MDL_WRITES();
MDL_DOWNCALL void e1000_alloc_rx_buffers(struct e1000_adapter *adapter) MDL_READS() MDL_WRITES(adapter->rx_ring->next_to_use);
MDL_DOWNCALL void e1000_clean_all_rings(struct e1000_adapter *adapter) MDL_READS() MDL_WRITES();
/* The watchdog's error counters for netdev->stats. An embedded struct crosses whole, and the critical
 * path updates the packet counters beside them meanwhile: the kernel writes these four itself. */
MDL_DOWNCALL void e1000_update_netdev_errors(struct net_device *dev, u64 rx_errors, u64 rx_crc_errors, u64 rx_frame_errors,
					     u64 rx_missed_errors) MDL_READS() MDL_WRITES();
MDL_DOWNCALL void napi_enable(struct e1000_adapter *adapter) MDL_READS() MDL_WRITES();
MDL_DOWNCALL void napi_disable(struct e1000_adapter *adapter) MDL_READS() MDL_WRITES();
MDL_DOWNCALL void netif_start_queue(struct net_device *dev) MDL_READS() MDL_WRITES();
MDL_DOWNCALL void netif_stop_queue(struct net_device *dev) MDL_READS() MDL_WRITES();
MDL_DOWNCALL void netif_carrier_on(struct net_device *dev) MDL_READS() MDL_WRITES();
MDL_DOWNCALL void netif_carrier_off(struct net_device *dev) MDL_READS() MDL_WRITES();
