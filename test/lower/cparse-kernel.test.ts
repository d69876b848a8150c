// A synthetic header in the style of preprocessed Linux kernel headers: typedef chains, per-cpu
// and section attributes, ops tables of function pointers, anonymous unions, bitfields, static
// inline helpers with bodies, enums with shifted values, `_Static_assert`, asm. It is valid GNU C
// (`gcc -fsyntax-only` accepts all of it but the mdidl attributes, whose arguments name parameters
// GCC cannot see), so any diagnostic is a parser bug.
import { expect } from 'chai';
import { parseC } from '../../compiler/lower/c-parser.js';
import type { CDecl, CTranslationUnit } from '../../compiler/lower/c-ast.js';
import { ctok, memberStr, shape, typeStr } from './ctokens.js';

export const KERNEL_STYLE_HEADER = String.raw`
# 1 "include/uapi/asm-generic/int-ll64.h" 1
typedef __signed__ char __s8;
typedef unsigned char __u8;
typedef __signed__ short __s16;
typedef unsigned short __u16;
typedef __signed__ int __s32;
typedef unsigned int __u32;
__extension__ typedef __signed__ long long __s64;
__extension__ typedef unsigned long long __u64;
typedef __s8 s8;
typedef __u8 u8;
typedef __s16 s16;
typedef __u16 u16;
typedef __s32 s32;
typedef __u32 u32;
typedef __s64 s64;
typedef __u64 u64;
typedef _Bool bool;
enum {
 false = 0,
 true = 1
};
typedef unsigned long __kernel_ulong_t;
typedef __kernel_ulong_t __kernel_size_t;
typedef __kernel_size_t size_t;
typedef long __kernel_long_t;
typedef __kernel_long_t __kernel_ssize_t;
typedef __kernel_ssize_t ssize_t;
typedef unsigned int __kernel_uid32_t;
typedef u64 dma_addr_t;
typedef unsigned int gfp_t;
typedef u64 netdev_features_t;
typedef __u16 __be16;
typedef __u32 __be32;
typedef __u32 __wsum;
typedef __builtin_va_list va_list;

# 10 "include/linux/types.h"
typedef struct {
 int counter;
} atomic_t;

typedef struct {
 s64 counter;
} atomic64_t;

typedef struct refcount_struct {
 atomic_t refs;
} refcount_t;

struct list_head {
 struct list_head *next, *prev;
};

struct hlist_head {
 struct hlist_node *first;
};

struct hlist_node {
 struct hlist_node *next, **pprev;
};

struct callback_head {
 struct callback_head *next;
 void (*func)(struct callback_head *head);
} __attribute__((aligned(sizeof(void *))));

typedef struct qspinlock {
 union {
  atomic_t val;
  struct {
   u8 locked;
   u8 pending;
  };
  struct {
   u16 locked_pending;
   u16 tail;
  };
 };
} arch_spinlock_t;

typedef struct raw_spinlock {
 arch_spinlock_t raw_lock;
} raw_spinlock_t;

typedef struct spinlock {
 union {
  struct raw_spinlock rlock;
 };
} spinlock_t;

_Static_assert(sizeof(u32) == 4, "u32 is four bytes");

# 1 "include/linux/compiler.h"
static inline __attribute__((__gnu_inline__)) __attribute__((__unused__)) __attribute__((__no_instrument_function__)) void *offset_to_ptr(const int *off)
{
 return (void *)((unsigned long)off + *off);
}

static inline __attribute__((__gnu_inline__)) __attribute__((__unused__)) __attribute__((__no_instrument_function__)) __attribute__((__always_inline__)) void __read_once_size(const volatile void *p, void *res, int size)
{
 switch (size) {
 case 1: *(__u8 *)res = *(volatile __u8 *)p; break;
 case 2: *(__u16 *)res = *(volatile __u16 *)p; break;
 default:
  __asm__ __volatile__("": : :"memory");
  __builtin_memcpy((void *)res, (const void *)p, size);
  __asm__ __volatile__("": : :"memory");
 }
}

extern void __bad_size_call_parameter(void);
extern unsigned long this_cpu_off_dummy;
extern __attribute__((section(".data..percpu" "..read_mostly"))) __typeof__(unsigned long) this_cpu_off;
extern __attribute__((section(".data..percpu" ""))) __typeof__(struct list_head *) current_list;
extern __attribute__((section(".data..percpu" ""))) __typeof__(int) cpu_number;

# 1 "include/linux/printk.h"
int vprintk(const char *fmt, va_list args);
__attribute__((__format__(printf, 1, 2))) __attribute__((__cold__)) int _printk(const char *fmt, ...);
extern void __attribute__((__noreturn__)) panic(const char *fmt, ...) __attribute__((__format__(printf, 1, 2))) __attribute__((__cold__));
static inline __attribute__((__gnu_inline__)) __attribute__((__unused__)) __attribute__((__no_instrument_function__)) __attribute__((__format__(printf, 1, 2))) int no_printk(const char *fmt, ...)
{
 return 0;
}
extern const char hex_asc[];
extern const char linux_banner[];
extern int console_printk[];
register unsigned long current_stack_pointer asm("rsp");

# 1 "include/linux/skbuff.h"
enum skb_drop_reason {
 SKB_NOT_DROPPED_YET = 0,
 SKB_DROP_REASON_NOT_SPECIFIED,
 SKB_DROP_REASON_NO_SOCKET,
 SKB_DROP_REASON_PKT_TOO_SMALL,
 SKB_DROP_REASON_MAX,
};

typedef unsigned int sk_buff_data_t;

struct sk_buff {
 union {
  struct {
   struct sk_buff *next;
   struct sk_buff *prev;
   union {
    struct net_device *dev;
    unsigned long dev_scratch;
   };
  };
  struct list_head list;
 };
 char cb[48] __attribute__((__aligned__(8)));
 union {
  struct {
   unsigned long _skb_refdst;
   void (*destructor)(struct sk_buff *skb);
  };
  struct list_head tcp_tsorted_anchor;
 };
 unsigned int len,
    data_len;
 __u16 mac_len,
    hdr_len;
 __u8 __cloned_offset[0];
 __u8 cloned:1,
    nohdr:1,
    fclone:2,
    peeked:1,
    head_frag:1,
    pfmemalloc:1;
 __u8 active_extensions;
 __u8 :4;
 __u16 tc_index;
 union {
  __wsum csum;
  struct {
   __u16 csum_start;
   __u16 csum_offset;
  };
 };
 __be16 protocol;
 sk_buff_data_t tail;
 sk_buff_data_t end;
 unsigned char *head,
    *data;
 unsigned int truesize;
 refcount_t users;
};

static inline __attribute__((__gnu_inline__)) __attribute__((__unused__)) __attribute__((__no_instrument_function__)) unsigned char *skb_tail_pointer(const struct sk_buff *skb)
{
 return skb->head + skb->tail;
}

static inline __attribute__((__gnu_inline__)) __attribute__((__unused__)) __attribute__((__no_instrument_function__)) bool skb_is_nonlinear(const struct sk_buff *skb)
{
 return skb->data_len;
}

void kfree_skb_reason(struct sk_buff *skb, enum skb_drop_reason reason);
struct sk_buff *__alloc_skb(unsigned int size, gfp_t priority, int flags, int node);
int skb_copy_bits(const struct sk_buff *skb, int offset, void *to, int len) __attribute__((__warn_unused_result__));

# 1 "include/linux/netdevice.h"
struct net_device;
struct ifreq;
struct netlink_ext_ack;
struct ethtool_ops;

enum netdev_tx {
 __NETDEV_TX_MIN = (-((int)(~0U >> 1)) - 1),
 NETDEV_TX_OK = 0x00,
 NETDEV_TX_BUSY = 0x10,
};
typedef enum netdev_tx netdev_tx_t;

enum {
 NETIF_F_SG_BIT,
 NETIF_F_IP_CSUM_BIT,
 __UNUSED_NETIF_F_1,
 NETIF_F_HW_CSUM_BIT,
 NETDEV_FEATURE_COUNT
};

struct rtnl_link_stats64 {
 __u64 rx_packets;
 __u64 tx_packets;
 __u64 rx_bytes;
 __u64 tx_bytes;
 __u64 rx_errors;
 __u64 tx_errors;
};

struct net_device_stats {
 union { unsigned long rx_packets; atomic_t __rx_packets; };
 union { unsigned long tx_packets; atomic_t __tx_packets; };
 union { unsigned long rx_bytes; atomic_t __rx_bytes; };
 union { unsigned long tx_bytes; atomic_t __tx_bytes; };
};

struct netdev_hw_addr_list {
 struct list_head list;
 int count;
 struct rb_root { struct rb_node *rb_node; } tree;
};

typedef enum rx_handler_result rx_handler_result_t;
typedef rx_handler_result_t rx_handler_func_t(struct sk_buff **pskb);

struct net_device_ops {
 int (*ndo_init)(struct net_device *dev);
 void (*ndo_uninit)(struct net_device *dev);
 int (*ndo_open)(struct net_device *dev);
 int (*ndo_stop)(struct net_device *dev);
 netdev_tx_t (*ndo_start_xmit)(struct sk_buff *skb,
        struct net_device *dev);
 netdev_features_t (*ndo_features_check)(struct sk_buff *skb,
            struct net_device *dev,
            netdev_features_t features);
 u16 (*ndo_select_queue)(struct net_device *dev,
          struct sk_buff *skb,
          struct net_device *sb_dev);
 void (*ndo_change_rx_flags)(struct net_device *dev,
             int flags);
 void (*ndo_set_rx_mode)(struct net_device *dev);
 int (*ndo_set_mac_address)(struct net_device *dev,
             void *addr);
 int (*ndo_validate_addr)(struct net_device *dev);
 int (*ndo_eth_ioctl)(struct net_device *dev,
        struct ifreq *ifr, int cmd);
 int (*ndo_siocdevprivate)(struct net_device *dev,
       struct ifreq *ifr,
       void *data, int cmd);
 int (*ndo_change_mtu)(struct net_device *dev,
        int new_mtu);
 void (*ndo_tx_timeout) (struct net_device *dev,
          unsigned int txqueue);
 void (*ndo_get_stats64)(struct net_device *dev,
         struct rtnl_link_stats64 *storage);
 bool (*ndo_has_offload_stats)(const struct net_device *dev, int attr_id);
 struct net_device_stats* (*ndo_get_stats)(struct net_device *dev);
 int (*ndo_vlan_rx_add_vid)(struct net_device *dev,
             __be16 proto, u16 vid);
 int (*ndo_set_vf_mac)(struct net_device *dev,
        int queue, u8 *mac);
 int (*ndo_set_features)(struct net_device *dev,
          netdev_features_t features);
 int (*ndo_bpf)(struct net_device *dev,
       struct netdev_bpf *bpf);
 int (*ndo_xdp_xmit)(struct net_device *dev, int n,
      struct xdp_frame **xdp,
      u32 flags);
 struct net_device * (*ndo_get_peer_dev)(struct net_device *dev);
};

struct net_device {
 char name[16];
 unsigned long mem_end;
 unsigned long mem_start;
 unsigned long base_addr;
 unsigned long state;
 struct list_head dev_list;
 struct {
  struct list_head upper;
  struct list_head lower;
 } adj_list;
 unsigned int flags;
 unsigned long long priv_flags;
 const struct net_device_ops *netdev_ops;
 int ifindex;
 unsigned short gflags;
 unsigned short hard_header_len;
 unsigned int mtu;
 netdev_features_t features;
 struct net_device_stats stats;
 atomic_t carrier_up_count;
 const struct ethtool_ops *ethtool_ops;
 unsigned char operstate;
 unsigned char perm_addr[32];
 unsigned char addr_len;
 spinlock_t addr_list_lock;
 int irq;
 struct netdev_hw_addr_list uc;
 unsigned int promiscuity;
 bool uc_promisc;
 const unsigned char *dev_addr;
 rx_handler_func_t *rx_handler;
 void *rx_handler_data;
 struct netdev_queue *_tx __attribute__((__aligned__((1 << (6)))));
 unsigned int num_tx_queues;
 struct hlist_head qdisc_hash[1 << (4)];
 enum { NETREG_UNINITIALIZED=0,
        NETREG_REGISTERED,
        NETREG_UNREGISTERING,
 } reg_state:8;
 bool dismantle;
 enum {
  RTNL_LINK_INITIALIZED,
  RTNL_LINK_INITIALIZING,
 } rtnl_link_state:16;
 bool needs_free_netdev;
 void (*priv_destructor)(struct net_device *dev);
 void *ml_priv;
 union {
  struct pcpu_lstats *lstats;
  struct pcpu_sw_netstats *tstats;
  struct pcpu_dstats *dstats;
 };
 unsigned int wol_enabled:1;
 unsigned int threaded:1;
 u8 dev_addr_shadow[32];
} __attribute__((__aligned__((1 << (6)))));

_Static_assert(__builtin_offsetof(struct net_device, name) == 0, "name first");

static inline __attribute__((__gnu_inline__)) __attribute__((__unused__)) __attribute__((__no_instrument_function__)) void *netdev_priv(const struct net_device *dev)
{
 return (char *)dev + ((sizeof(struct net_device) + 32 - 1) & ~(32 - 1));
}

static inline __attribute__((__gnu_inline__)) __attribute__((__unused__)) __attribute__((__no_instrument_function__)) bool netif_running(const struct net_device *dev)
{
 const char *msg = "} not the end {";
 char open = '{', close = '}';
 if (!dev) { return false; }
 do { if (msg[0] == open) { return close == '}'; } } while (0);
 return ({ unsigned long __v = dev->state; (__v & 1UL) != 0; });
}

int register_netdev(struct net_device *dev);
void unregister_netdev(struct net_device *dev);
void free_netdev(struct net_device *dev);
struct net_device *alloc_netdev_mqs(int sizeof_priv, const char *name,
        unsigned char name_assign_type,
        void (*setup)(struct net_device *),
        unsigned int txqs, unsigned int rxqs);
int netif_rx(struct sk_buff *skb);
void netif_napi_add_weight(struct net_device *dev, struct napi_struct *napi,
      int (*poll)(struct napi_struct *, int), int weight);
extern int netdev_budget;
extern unsigned int netdev_budget_usecs;
extern const struct net_device_ops loopback_ops __attribute__((section(".rodata")));

# 1 "include/linux/ethtool.h"
struct ethtool_drvinfo {
 __u32 cmd;
 char driver[32];
 char version[32];
 char fw_version[32];
 char bus_info[32];
 char erom_version[32];
 char reserved2[12];
 __u32 n_priv_flags;
 __u32 n_stats;
 __u32 testinfo_len;
 __u32 eedump_len;
 __u32 regdump_len;
};

struct ethtool_ops {
 u32 cap_link_lanes_supported:1;
 u32 supported_coalesce_params;
 void (*get_drvinfo)(struct net_device *, struct ethtool_drvinfo *);
 int (*get_regs_len)(struct net_device *);
 void (*get_regs)(struct net_device *, struct ethtool_regs *, void *);
 u32 (*get_msglevel)(struct net_device *);
 void (*set_msglevel)(struct net_device *, u32);
 int (*nway_reset)(struct net_device *);
 u32 (*get_link)(struct net_device *);
 void (*get_strings)(struct net_device *, u32 stringset, u8 *);
 void (*get_ethtool_stats)(struct net_device *,
         struct ethtool_stats *, u64 *);
 int (*get_sset_count)(struct net_device *, int);
 int (*get_rxfh)(struct net_device *, u32 *indir, u8 *key,
    u8 *hfunc);
 int (*set_rxfh)(struct net_device *, const u32 *indir,
    const u8 *key, const u8 hfunc);
 void (*get_rmon_stats)(struct net_device *dev,
          struct ethtool_rmon_stats *rmon_stats,
          const struct ethtool_rmon_hist_range **ranges);
};

extern __attribute__((__format__(printf, 2, 3))) void ethtool_sprintf(u8 **data, const char *fmt, ...);
u32 ethtool_op_get_link(struct net_device *dev);

# 1 "include/linux/pci.h"
struct pci_device_id {
 __u32 vendor, device;
 __u32 subvendor, subdevice;
 __u32 class, class_mask;
 __kernel_ulong_t driver_data;
 __u32 override_only;
};

typedef int pci_power_t;
typedef unsigned int pci_channel_state_t;

struct pci_dev {
 struct list_head bus_list;
 struct pci_bus *bus;
 void *sysdata;
 unsigned int devfn;
 unsigned short vendor;
 unsigned short device;
 unsigned int class;
 u8 revision;
 u8 pcie_mpss:3;
 u8 rom_base_reg;
 u64 dma_mask;
 pci_power_t current_state;
 unsigned int irq;
 unsigned int d3hot_delay;
 unsigned int no_msi:1;
 unsigned int block_cfg_access:1;
 unsigned int :0;
 unsigned int broken_parity_status:1;
 pci_channel_state_t error_state;
 struct resource { u64 start, end; const char *name; unsigned long flags; } resource[17];
 const struct attribute_group **msi_irq_groups;
};

struct pci_driver {
 struct list_head node;
 const char *name;
 const struct pci_device_id *id_table;
 int (*probe)(struct pci_dev *dev, const struct pci_device_id *id);
 void (*remove)(struct pci_dev *dev);
 int (*suspend)(struct pci_dev *dev, int state);
 int (*resume)(struct pci_dev *dev);
 void (*shutdown)(struct pci_dev *dev);
 int (*sriov_configure)(struct pci_dev *dev, int num_vfs);
 const struct pci_error_handlers *err_handler;
 bool driver_managed_dma;
};

int __attribute__((__warn_unused_result__)) pci_enable_device(struct pci_dev *dev);
void pci_disable_device(struct pci_dev *dev);
void pci_set_master(struct pci_dev *dev);
int __attribute__((__warn_unused_result__)) pci_request_regions(struct pci_dev *, const char *);
void *pci_iomap(struct pci_dev *dev, int bar, unsigned long max);
int __attribute__((__warn_unused_result__)) __pci_register_driver(struct pci_driver *, struct module *, const char *mod_name);
static inline __attribute__((__gnu_inline__)) __attribute__((__unused__)) __attribute__((__no_instrument_function__)) void *pci_get_drvdata(struct pci_dev *pdev)
{
 return (void *)pdev->sysdata;
}

# 1 "include/linux/interrupt.h"
enum irqreturn {
 IRQ_NONE = (0 << 0),
 IRQ_HANDLED = (1 << 0),
 IRQ_WAKE_THREAD = (1 << 1),
};
typedef enum irqreturn irqreturn_t;
typedef irqreturn_t (*irq_handler_t)(int, void *);

struct irqaction {
 irq_handler_t handler;
 void *dev_id;
 void *percpu_dev_id;
 struct irqaction *next;
 irq_handler_t thread_fn;
 unsigned int irq;
 unsigned int flags;
 unsigned long thread_flags;
 const char *name;
} __attribute__((__aligned__(1 << (6))));

extern int __attribute__((__warn_unused_result__))
request_threaded_irq(unsigned int irq, irq_handler_t handler,
       irq_handler_t thread_fn,
       unsigned long flags, const char *name, void *dev);

static inline __attribute__((__gnu_inline__)) __attribute__((__unused__)) __attribute__((__no_instrument_function__)) int __attribute__((__warn_unused_result__))
request_irq(unsigned int irq, irq_handler_t handler, unsigned long flags,
     const char *name, void *dev)
{
 return request_threaded_irq(irq, handler, ((void *)0), flags, name, dev);
}

extern const void *free_irq(unsigned int, void *);
extern void disable_irq(unsigned int irq);
extern void enable_irq(unsigned int irq);
extern bool irq_has_action(unsigned int irq);
extern void (*late_time_init)(void);
extern int (*const irq_hooks[4])(int);

static const unsigned long irq_flag_table[] = { [0] = 0x80, [1] = 0x100, [3] = (1UL << 10) | 3 };
static struct irqaction default_action = {
 .handler = ((void *)0),
 .name = "default",
 .flags = 0x00000080 | 0x00002000,
}, *default_action_ptr = &default_action;

asm(".pushsection .discard.addressable\n" ".popsection");

# 1 "drivers/net/mydrv.c"
struct mydrv_priv {
 struct net_device *dev;
 struct pci_dev *pdev __attribute__((mdl_opaque));
 void *mmio __attribute__((mdl_opaque));
 u32 msg_enable;
 u32 rx_count;
 u8 *rx_buf __attribute__((mdl_count(rx_count)));
 spinlock_t lock __attribute__((mdl_combolock));
};

__attribute__((mdl_upcall)) int mydrv_open(struct net_device *dev) __attribute__((mdl_reads(dev->flags, dev->mtu, dev->name, dev->dev_addr))) __attribute__((mdl_writes(dev->flags)));
__attribute__((mdl_upcall)) int mydrv_stop(struct net_device *dev) __attribute__((mdl_reads(dev->flags))) __attribute__((mdl_writes(dev->flags)));
__attribute__((mdl_upcall)) void mydrv_get_drvinfo(struct net_device *dev, struct ethtool_drvinfo *info __attribute__((mdl_out))) __attribute__((mdl_reads(dev->name))) __attribute__((mdl_writes(info->driver)));
__attribute__((mdl_critical)) irqreturn_t mydrv_interrupt(int irq, void *dev_id __attribute__((mdl_opaque)));

static int mydrv_probe(struct pci_dev *pdev, const struct pci_device_id *ent)
{
 struct net_device *dev = alloc_netdev_mqs(sizeof(struct mydrv_priv), "eth%d", 1, ((void *)0), 1, 1);
 struct mydrv_priv *priv;
 if (!dev)
  return -12;
 priv = netdev_priv(dev);
 priv->dev = dev;
 priv->pdev = pdev;
 { int err = pci_enable_device(pdev); if (err) { free_netdev(dev); return err; } }
 return register_netdev(dev);
}

static const struct net_device_ops mydrv_netdev_ops = {
 .ndo_open = mydrv_open,
 .ndo_stop = mydrv_stop,
};

static const struct pci_device_id mydrv_ids[] = {
 { .vendor = 0x10ec, .device = 0x8139, .subvendor = (~0), .subdevice = (~0) },
 { 0, }
};

static struct pci_driver mydrv_driver = {
 .name = "mydrv",
 .id_table = mydrv_ids,
 .probe = mydrv_probe,
};
`;

describe('C parser: kernel-style header', () => {
  let unit: CTranslationUnit;
  const byName = (name: string): CDecl => {
    const d = unit.decls.find((x) => x.kind !== 'tag' && x.name === name);
    if (!d) throw new Error(`no declaration of ${name}`);
    return d;
  };
  const members = (tag: string): string[] => unit.records.get(tag)!.members.map(memberStr);

  before(() => {
    const r = parseC(ctok(KERNEL_STYLE_HEADER, 'kernel.i'));
    expect(r.diagnostics.map((d) => `${d.loc.line}:${d.loc.column} ${d.message}`)).to.deep.equal([]);
    unit = r.unit;
  });

  it('is several hundred lines long', () => {
    expect(KERNEL_STYLE_HEADER.split('\n').length).to.be.above(400);
  });

  it('collects every record, enum and typedef', () => {
    expect([...unit.records.keys()].sort()).to.deep.equal(
      [
        'callback_head', 'ethtool_drvinfo', 'ethtool_ops', 'hlist_head', 'hlist_node', 'irqaction', 'list_head',
        'mydrv_priv', 'net_device', 'net_device_ops', 'net_device_stats', 'netdev_hw_addr_list', 'pci_dev',
        'pci_device_id', 'pci_driver', 'qspinlock', 'raw_spinlock', 'rb_root', 'refcount_struct', 'resource',
        'rtnl_link_stats64', 'sk_buff', 'spinlock',
      ].sort(),
    );
    expect([...unit.enums.keys()].sort()).to.deep.equal(['irqreturn', 'netdev_tx', 'skb_drop_reason']);
    // One per `typedef` written, each with a single declarator.
    expect(unit.typedefs.size).to.equal(45);
    expect(typeStr(unit.typedefs.get('u64')!.type)).to.equal('__u64');
    expect(typeStr(unit.typedefs.get('__u64')!.type)).to.equal('unsigned long long');
    expect(typeStr(unit.typedefs.get('__s8')!.type)).to.equal('signed char');
    expect(typeStr(unit.typedefs.get('rx_handler_func_t')!.type)).to.equal('fn(pskb: ptr(ptr(struct sk_buff))) -> rx_handler_result_t');
  });

  it('struct net_device_ops: function-pointer members', () => {
    expect(members('net_device_ops')).to.deep.equal([
      'ndo_init: ptr(fn(dev: ptr(struct net_device)) -> int);',
      'ndo_uninit: ptr(fn(dev: ptr(struct net_device)) -> void);',
      'ndo_open: ptr(fn(dev: ptr(struct net_device)) -> int);',
      'ndo_stop: ptr(fn(dev: ptr(struct net_device)) -> int);',
      'ndo_start_xmit: ptr(fn(skb: ptr(struct sk_buff), dev: ptr(struct net_device)) -> netdev_tx_t);',
      'ndo_features_check: ptr(fn(skb: ptr(struct sk_buff), dev: ptr(struct net_device), features: netdev_features_t) -> netdev_features_t);',
      'ndo_select_queue: ptr(fn(dev: ptr(struct net_device), skb: ptr(struct sk_buff), sb_dev: ptr(struct net_device)) -> u16);',
      'ndo_change_rx_flags: ptr(fn(dev: ptr(struct net_device), flags: int) -> void);',
      'ndo_set_rx_mode: ptr(fn(dev: ptr(struct net_device)) -> void);',
      'ndo_set_mac_address: ptr(fn(dev: ptr(struct net_device), addr: ptr(void)) -> int);',
      'ndo_validate_addr: ptr(fn(dev: ptr(struct net_device)) -> int);',
      'ndo_eth_ioctl: ptr(fn(dev: ptr(struct net_device), ifr: ptr(struct ifreq), cmd: int) -> int);',
      'ndo_siocdevprivate: ptr(fn(dev: ptr(struct net_device), ifr: ptr(struct ifreq), data: ptr(void), cmd: int) -> int);',
      'ndo_change_mtu: ptr(fn(dev: ptr(struct net_device), new_mtu: int) -> int);',
      'ndo_tx_timeout: ptr(fn(dev: ptr(struct net_device), txqueue: unsigned int) -> void);',
      'ndo_get_stats64: ptr(fn(dev: ptr(struct net_device), storage: ptr(struct rtnl_link_stats64)) -> void);',
      'ndo_has_offload_stats: ptr(fn(dev: ptr(const struct net_device), attr_id: int) -> bool);',
      'ndo_get_stats: ptr(fn(dev: ptr(struct net_device)) -> ptr(struct net_device_stats));',
      'ndo_vlan_rx_add_vid: ptr(fn(dev: ptr(struct net_device), proto: __be16, vid: u16) -> int);',
      'ndo_set_vf_mac: ptr(fn(dev: ptr(struct net_device), queue: int, mac: ptr(u8)) -> int);',
      'ndo_set_features: ptr(fn(dev: ptr(struct net_device), features: netdev_features_t) -> int);',
      'ndo_bpf: ptr(fn(dev: ptr(struct net_device), bpf: ptr(struct netdev_bpf)) -> int);',
      'ndo_xdp_xmit: ptr(fn(dev: ptr(struct net_device), n: int, xdp: ptr(ptr(struct xdp_frame)), flags: u32) -> int);',
      'ndo_get_peer_dev: ptr(fn(dev: ptr(struct net_device)) -> ptr(struct net_device));',
    ]);
  });

  it('struct net_device: anonymous records, in-place enums with bitfields, typedef-named function pointers', () => {
    expect(members('net_device')).to.deep.equal([
      'name: arr[16](char);',
      'mem_end: unsigned long;',
      'mem_start: unsigned long;',
      'base_addr: unsigned long;',
      'state: unsigned long;',
      'dev_list: struct list_head;',
      'adj_list: struct { upper: struct list_head; lower: struct list_head; };',
      'flags: unsigned int;',
      'priv_flags: unsigned long long;',
      'netdev_ops: ptr(const struct net_device_ops);',
      'ifindex: int;',
      'gflags: unsigned short;',
      'hard_header_len: unsigned short;',
      'mtu: unsigned int;',
      'features: netdev_features_t;',
      'stats: struct net_device_stats;',
      'carrier_up_count: atomic_t;',
      'ethtool_ops: ptr(const struct ethtool_ops);',
      'operstate: unsigned char;',
      'perm_addr: arr[32](unsigned char);',
      'addr_len: unsigned char;',
      'addr_list_lock: spinlock_t;',
      'irq: int;',
      'uc: struct netdev_hw_addr_list;',
      'promiscuity: unsigned int;',
      'uc_promisc: bool;',
      'dev_addr: ptr(const unsigned char);',
      'rx_handler: ptr(rx_handler_func_t);',
      'rx_handler_data: ptr(void);',
      '_tx: ptr(struct netdev_queue);',
      'num_tx_queues: unsigned int;',
      'qdisc_hash: arr[1 << ( 4 )](struct hlist_head);',
      'reg_state: enum { NETREG_UNINITIALIZED, NETREG_REGISTERED, NETREG_UNREGISTERING } : 8;',
      'dismantle: bool;',
      'rtnl_link_state: enum { RTNL_LINK_INITIALIZED, RTNL_LINK_INITIALIZING } : 16;',
      'needs_free_netdev: bool;',
      'priv_destructor: ptr(fn(dev: ptr(struct net_device)) -> void);',
      'ml_priv: ptr(void);',
      '_: union { lstats: ptr(struct pcpu_lstats); tstats: ptr(struct pcpu_sw_netstats); dstats: ptr(struct pcpu_dstats); };',
      'wol_enabled: unsigned int : 1;',
      'threaded: unsigned int : 1;',
      'dev_addr_shadow: arr[32](u8);',
    ]);
    expect(shape(unit.records.get('net_device')!.attrs)).to.deep.equal([{ name: 'aligned', args: [['(', '1', '<<', '(', '6', ')', ')']] }]);
    const tx = unit.records.get('net_device')!.members.find((m) => m.name === '_tx')!;
    expect(shape(tx.attrs)).to.deep.equal([{ name: 'aligned', args: [['(', '1', '<<', '(', '6', ')', ')']] }]);
  });

  it('struct sk_buff: nested anonymous unions and structs, bitfields, zero-length and unnamed members', () => {
    expect(members('sk_buff')).to.deep.equal([
      '_: union { _: struct { next: ptr(struct sk_buff); prev: ptr(struct sk_buff); _: union { dev: ptr(struct net_device); dev_scratch: unsigned long; }; }; list: struct list_head; };',
      'cb: arr[48](char);',
      '_: union { _: struct { _skb_refdst: unsigned long; destructor: ptr(fn(skb: ptr(struct sk_buff)) -> void); }; tcp_tsorted_anchor: struct list_head; };',
      'len: unsigned int;',
      'data_len: unsigned int;',
      'mac_len: __u16;',
      'hdr_len: __u16;',
      '__cloned_offset: arr[0](__u8);',
      'cloned: __u8 : 1;',
      'nohdr: __u8 : 1;',
      'fclone: __u8 : 2;',
      'peeked: __u8 : 1;',
      'head_frag: __u8 : 1;',
      'pfmemalloc: __u8 : 1;',
      'active_extensions: __u8;',
      '_: __u8 : 4;',
      'tc_index: __u16;',
      '_: union { csum: __wsum; _: struct { csum_start: __u16; csum_offset: __u16; }; };',
      'protocol: __be16;',
      'tail: sk_buff_data_t;',
      'end: sk_buff_data_t;',
      'head: ptr(unsigned char);',
      'data: ptr(unsigned char);',
      'truesize: unsigned int;',
      'users: refcount_t;',
    ]);
  });

  it('struct ethtool_ops and struct pci_driver', () => {
    expect(members('ethtool_ops')).to.deep.equal([
      'cap_link_lanes_supported: u32 : 1;',
      'supported_coalesce_params: u32;',
      'get_drvinfo: ptr(fn(ptr(struct net_device), ptr(struct ethtool_drvinfo)) -> void);',
      'get_regs_len: ptr(fn(ptr(struct net_device)) -> int);',
      'get_regs: ptr(fn(ptr(struct net_device), ptr(struct ethtool_regs), ptr(void)) -> void);',
      'get_msglevel: ptr(fn(ptr(struct net_device)) -> u32);',
      'set_msglevel: ptr(fn(ptr(struct net_device), u32) -> void);',
      'nway_reset: ptr(fn(ptr(struct net_device)) -> int);',
      'get_link: ptr(fn(ptr(struct net_device)) -> u32);',
      'get_strings: ptr(fn(ptr(struct net_device), stringset: u32, ptr(u8)) -> void);',
      'get_ethtool_stats: ptr(fn(ptr(struct net_device), ptr(struct ethtool_stats), ptr(u64)) -> void);',
      'get_sset_count: ptr(fn(ptr(struct net_device), int) -> int);',
      'get_rxfh: ptr(fn(ptr(struct net_device), indir: ptr(u32), key: ptr(u8), hfunc: ptr(u8)) -> int);',
      'set_rxfh: ptr(fn(ptr(struct net_device), indir: ptr(const u32), key: ptr(const u8), hfunc: const u8) -> int);',
      'get_rmon_stats: ptr(fn(dev: ptr(struct net_device), rmon_stats: ptr(struct ethtool_rmon_stats), ranges: ptr(ptr(const struct ethtool_rmon_hist_range))) -> void);',
    ]);
    expect(members('pci_driver')).to.include('probe: ptr(fn(dev: ptr(struct pci_dev), id: ptr(const struct pci_device_id)) -> int);');
    expect(members('pci_dev')).to.include.members(['_: unsigned int : 0;', 'resource: arr[17](struct resource);', 'pcie_mpss: u8 : 3;']);
    expect(members('resource')).to.deep.equal(['start: u64;', 'end: u64;', 'name: ptr(const char);', 'flags: unsigned long;']);
  });

  it('interrupt API: irq_handler_t and request_threaded_irq', () => {
    expect(typeStr(unit.typedefs.get('irq_handler_t')!.type)).to.equal('ptr(fn(int, ptr(void)) -> irqreturn_t)');
    const rti = byName('request_threaded_irq');
    expect(rti.kind).to.equal('function');
    expect(typeStr(rti.type)).to.equal(
      'fn(irq: unsigned int, handler: irq_handler_t, thread_fn: irq_handler_t, flags: unsigned long, name: ptr(const char), dev: ptr(void)) -> int',
    );
    expect(rti.kind === 'function' && [rti.storage, rti.hasBody, rti.attrs.map((a) => a.name)]).to.deep.equal([['extern'], false, ['warn_unused_result']]);
    const ri = byName('request_irq');
    expect(ri.kind === 'function' && [ri.storage, ri.inline, ri.hasBody]).to.deep.equal([['static'], true, true]);
    expect(ri.kind === 'function' && ri.attrs.map((a) => a.name)).to.deep.equal(['gnu_inline', 'unused', 'no_instrument_function', 'warn_unused_result']);
    expect(typeStr(byName('late_time_init').type)).to.equal('ptr(fn() -> void)');
    expect(typeStr(byName('irq_hooks').type)).to.equal('arr[4](ptr(fn(int) -> int) const)');
    expect(unit.enums.get('irqreturn')!.members.map((m) => [m.name, m.value?.map((t) => t.text).join(' ')])).to.deep.equal([
      ['IRQ_NONE', '( 0 << 0 )'],
      ['IRQ_HANDLED', '( 1 << 0 )'],
      ['IRQ_WAKE_THREAD', '( 1 << 1 )'],
    ]);
  });

  it('static inline helpers are functions with bodies, and nothing inside them leaks', () => {
    const withBodies = unit.decls.filter((d) => d.kind === 'function' && d.hasBody).map((d) => (d.kind === 'tag' ? '' : d.name));
    expect(withBodies).to.deep.equal([
      'offset_to_ptr', '__read_once_size', 'no_printk', 'skb_tail_pointer', 'skb_is_nonlinear', 'netdev_priv', 'netif_running',
      'pci_get_drvdata', 'request_irq', 'mydrv_probe',
    ]);
    expect(unit.decls.some((d) => d.kind !== 'tag' && ['err', 'priv', '__v', 'msg'].includes(d.name))).to.equal(false);
  });

  it('variables: per-cpu typeof, asm labels, initializers with designators', () => {
    const v = (name: string) => {
      const d = byName(name);
      return d.kind === 'variable' ? [typeStr(d.type), d.storage.join(' '), d.attrs.map((a) => a.name).join(' ')] : null;
    };
    expect(v('this_cpu_off')).to.deep.equal(['unsigned long', 'extern', 'section']);
    expect(v('current_list')).to.deep.equal(['ptr(struct list_head)', 'extern', 'section']);
    expect(v('current_stack_pointer')).to.deep.equal(['unsigned long', 'register', '']);
    expect(v('hex_asc')).to.deep.equal(['arr[](const char)', 'extern', '']);
    expect(v('irq_flag_table')).to.deep.equal(['arr[](const unsigned long)', 'static', '']);
    expect(v('default_action')).to.deep.equal(['struct irqaction', 'static', '']);
    expect(v('default_action_ptr')).to.deep.equal(['ptr(struct irqaction)', 'static', '']);
    expect(v('loopback_ops')).to.deep.equal(['const struct net_device_ops', 'extern', 'section']);
    expect(v('mydrv_ids')).to.deep.equal(['arr[](const struct pci_device_id)', 'static', '']);
    expect(v('mydrv_driver')).to.deep.equal(['struct pci_driver', 'static', '']);
  });

  it('mdidl annotations land on members, functions and parameters', () => {
    expect(unit.records.get('mydrv_priv')!.members.map((m) => [m.name, shape(m.attrs)])).to.deep.equal([
      ['dev', []],
      ['pdev', [{ name: 'mdl_opaque', args: [] }]],
      ['mmio', [{ name: 'mdl_opaque', args: [] }]],
      ['msg_enable', []],
      ['rx_count', []],
      ['rx_buf', [{ name: 'mdl_count', args: [['rx_count']] }]],
      ['lock', [{ name: 'mdl_combolock', args: [] }]],
    ]);
    const open = byName('mydrv_open');
    expect(shape(open.kind === 'function' && open.attrs)).to.deep.equal([
      { name: 'mdl_upcall', args: [] },
      { name: 'mdl_reads', args: [['dev', '->', 'flags'], ['dev', '->', 'mtu'], ['dev', '->', 'name'], ['dev', '->', 'dev_addr']] },
      { name: 'mdl_writes', args: [['dev', '->', 'flags']] },
    ]);
    const info = byName('mydrv_get_drvinfo');
    expect(shape(info.kind === 'function' && info.type.params.map((p) => [p.name, p.attrs]))).to.deep.equal([
      ['dev', []],
      ['info', [{ name: 'mdl_out', args: [] }]],
    ]);
    const irq = byName('mydrv_interrupt');
    expect(irq.kind === 'function' && [typeStr(irq.type), irq.attrs.map((a) => a.name), irq.type.params[1]!.attrs.map((a) => a.name)]).to.deep.equal([
      'fn(irq: int, dev_id: ptr(void)) -> irqreturn_t',
      ['mdl_critical'],
      ['mdl_opaque'],
    ]);
  });
});
