/* uhci-hcd.h - the UHCI USB host controller driver's interface, annotated for mdidl (see
 * docs/annotations.md). Written for this project after Linux 6.1's drivers/usb/host/uhci-hcd.h,
 * uhci-hcd.c, uhci-q.c and uhci-hub.c: struct uhci_hcd keeps the real driver's field names and types
 * (the fields this sample uses), struct usb_hcd and struct urb only what the driver touches. The split
 * is the Microdrivers paper's: URB enqueue and dequeue, the interrupt handler and the schedule scan
 * that gives URBs back stay in the kernel; start, stop, the root hub (port status and control) and
 * the frame number move to the u-driver. */
#pragma once
#include <mdidl.h>

typedef unsigned char u8;
typedef unsigned short u16;
typedef unsigned int u32;
typedef unsigned long long u64;
typedef unsigned long long dma_addr_t;
typedef u32 __hc32;

#define UHCI_NUM_SKELQH 11
#define MAX_PHASE 32

struct dma_pool;
struct uhci_td;
struct uhci_qh;
struct clk;
struct timer_list;

typedef struct {
	u32 raw_lock;
} spinlock_t;

enum uhci_rh_state {
	UHCI_RH_RESET,
	UHCI_RH_SUSPENDED,
	UHCI_RH_AUTO_STOPPED,
	UHCI_RH_RESUMING,
	UHCI_RH_SUSPENDING,
	UHCI_RH_RUNNING,
	UHCI_RH_RUNNING_NODEVS,
};

struct uhci_hcd {
	unsigned long io_addr;
	void *regs MDL_OPAQUE;
	struct dma_pool *qh_pool MDL_OPAQUE;
	struct dma_pool *td_pool MDL_OPAQUE;
	struct uhci_td *term_td MDL_OPAQUE;
	struct uhci_qh *skelqh[UHCI_NUM_SKELQH] MDL_SKIP;
	struct uhci_qh *next_qh MDL_OPAQUE;
	spinlock_t lock MDL_SKIP;
	dma_addr_t frame_dma_handle;
	__hc32 *frame MDL_OPAQUE;
	void **frame_cpu MDL_SKIP;
	enum uhci_rh_state rh_state;
	unsigned long auto_stop_time;
	unsigned int frame_number;
	unsigned int is_stopped;
	unsigned int last_iso_frame;
	unsigned int cur_iso_frame;
	unsigned int scan_in_progress : 1;
	unsigned int need_rescan : 1;
	unsigned int dead : 1;
	unsigned int RD_enable : 1;
	unsigned int is_initialized : 1;
	unsigned int fsbr_is_on : 1;
	unsigned int fsbr_is_wanted : 1;
	unsigned int fsbr_expiring : 1;
	unsigned int oc_low : 1;
	unsigned int wait_for_hp : 1;
	unsigned int big_endian_mmio : 1;
	unsigned int big_endian_desc : 1;
	unsigned int is_aspeed : 1;
	unsigned long port_c_suspend;
	unsigned long resuming_ports;
	unsigned long ports_timeout;
	int rh_numports;
	int num_waiting;
	int total_load;
	short load[MAX_PHASE];
};

struct usb_hcd {
	char product_desc[32] MDL_STRING;
	int irq;
	unsigned long rsrc_start;
	unsigned int state;
	unsigned int uses_new_polling : 1;
	unsigned int has_tt : 1;
	struct uhci_hcd *hcd_priv;	/* hcd_to_uhci() */
};

struct pci_dev {
	u16 vendor;
	u16 device;
	u8 revision;
	unsigned int irq;
	unsigned long io_start;	/* pci_resource_start(pdev, 4) */
	struct usb_hcd *driver_data;	/* usb_create_hcd(): allocated by the k-driver's probe half */
};

struct usb_port_status {
	u16 wPortStatus;
	u16 wPortChange;
};

/* struct hc_driver's members for uhci_driver, and the PCI glue's probe and remove. */
struct hc_driver {
	MDL_UPCALL int (*reset)(struct usb_hcd *hcd)
		MDL_READS(hcd->rsrc_start, hcd->hcd_priv->io_addr)
		MDL_WRITES(hcd->hcd_priv->io_addr, hcd->hcd_priv->rh_numports, hcd->hcd_priv->oc_low, hcd->hcd_priv->wait_for_hp,
			   hcd->hcd_priv->rh_state, hcd->hcd_priv->is_stopped);
	MDL_UPCALL int (*start)(struct usb_hcd *hcd)
		MDL_READS(hcd->hcd_priv->rh_numports, hcd->hcd_priv->frame_dma_handle)
		MDL_WRITES(hcd->state, hcd->uses_new_polling, hcd->hcd_priv->rh_state, hcd->hcd_priv->is_stopped,
			   hcd->hcd_priv->is_initialized, hcd->hcd_priv->frame_number, hcd->hcd_priv->frame_dma_handle);
	MDL_UPCALL void (*stop)(struct usb_hcd *hcd)
		MDL_READS(hcd->hcd_priv->rh_state) MDL_WRITES(hcd->state, hcd->hcd_priv->rh_state, hcd->hcd_priv->is_stopped,
			   hcd->hcd_priv->is_initialized, hcd->hcd_priv->frame_dma_handle);
	MDL_UPCALL int (*get_frame_number)(struct usb_hcd *hcd)
		MDL_READS(hcd->hcd_priv->frame_number, hcd->hcd_priv->is_stopped) MDL_WRITES(hcd->hcd_priv->frame_number);
	MDL_UPCALL int (*hub_status_data)(struct usb_hcd *hcd, char *buf MDL_OUT MDL_COUNT(1))
		MDL_READS(hcd->hcd_priv->rh_numports, hcd->hcd_priv->port_c_suspend, hcd->hcd_priv->rh_state) MDL_WRITES();
	MDL_UPCALL int (*hub_control)(struct usb_hcd *hcd, u16 typeReq, u16 wValue, u16 wIndex,
				      struct usb_port_status *status MDL_OUT)
		MDL_READS(hcd->hcd_priv->rh_numports, hcd->hcd_priv->port_c_suspend, hcd->hcd_priv->resuming_ports)
		MDL_WRITES(hcd->hcd_priv->port_c_suspend, hcd->hcd_priv->resuming_ports, status->*);
	MDL_CRITICAL int (*urb_enqueue)(struct usb_hcd *hcd, struct urb *urb MDL_OPAQUE, unsigned int mem_flags);
	MDL_CRITICAL int (*urb_dequeue)(struct usb_hcd *hcd, struct urb *urb MDL_OPAQUE, int status);
	MDL_CRITICAL int (*irq)(struct usb_hcd *hcd);
};

struct pci_driver {
	MDL_UPCALL int (*probe)(struct pci_dev *pdev)
		MDL_READS(pdev->vendor, pdev->device, pdev->revision, pdev->irq, pdev->io_start, pdev->driver_data)
		MDL_WRITES(pdev->driver_data->product_desc, pdev->driver_data->irq, pdev->driver_data->rsrc_start,
			   pdev->driver_data->has_tt);
	MDL_UPCALL void (*remove)(struct pci_dev *pdev) MDL_READS(pdev->irq, pdev->driver_data) MDL_WRITES();
};

/* Kernel services, and the k-driver's helpers the u-driver calls. */
MDL_DOWNCALL u16 uhci_readw(struct uhci_hcd *uhci, u32 reg) MDL_READS() MDL_WRITES();
MDL_DOWNCALL void uhci_writew(struct uhci_hcd *uhci, u16 val, u32 reg) MDL_READS() MDL_WRITES();
MDL_DOWNCALL u32 uhci_readl(struct uhci_hcd *uhci, u32 reg) MDL_READS() MDL_WRITES();
MDL_DOWNCALL void uhci_writel(struct uhci_hcd *uhci, u32 val, u32 reg) MDL_READS() MDL_WRITES();
MDL_DOWNCALL int pci_enable_device(struct pci_dev *pdev) MDL_READS() MDL_WRITES();
MDL_DOWNCALL void pci_disable_device(struct pci_dev *pdev) MDL_READS() MDL_WRITES();
MDL_DOWNCALL void pci_set_master(struct pci_dev *pdev) MDL_READS() MDL_WRITES();
/* The frame list, the skeleton QHs and the terminating TD: DMA memory the schedule lives in. */
MDL_DOWNCALL int uhci_alloc_schedule(struct uhci_hcd *uhci) MDL_READS() MDL_WRITES(uhci->frame_dma_handle);
MDL_DOWNCALL void uhci_free_schedule(struct uhci_hcd *uhci) MDL_READS() MDL_WRITES(uhci->frame_dma_handle);
MDL_DOWNCALL void msleep(unsigned int msecs) MDL_READS() MDL_WRITES();
