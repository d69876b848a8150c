/*
 * The kernel's definitions of test/c/trailing/trailing.mdl's [header] types, for the k-driver
 * built in user space against test/c/shim: a net_device with the driver's state in the area
 * after it, found by netdev_priv() as Linux finds it (the struct rounded up to NETDEV_ALIGN).
 * The kernel's structs hold more than the IDL's views, in other types and another order.
 */
#ifndef KDEFS_H
#define KDEFS_H
#include <linux/types.h>

struct trl_priv;

struct net_device {
	char name[16];
	unsigned long state;
	unsigned int mtu;
	unsigned int flags;
};

#define NETDEV_ALIGN 32
#define NETDEV_PRIV_OFFSET ((sizeof(struct net_device) + NETDEV_ALIGN - 1) & ~(size_t)(NETDEV_ALIGN - 1))

static inline void *netdev_priv(const struct net_device *dev)
{
	return (char *)dev + NETDEV_PRIV_OFFSET;
}

struct trl_priv {
	struct net_device *dev;
	u64 kernel_only;
	u32 opens;
	u32 cur_rx;
	u32 tx_flag;
};
#endif
