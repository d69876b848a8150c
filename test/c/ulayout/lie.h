/*
 * A lying k-driver for test/c/ulayout.test.ts (included first, with -include): the kernel stubs
 * find a net_device's area through netdev_priv(), which this turns into ul_lie(), so the test can
 * make the k-driver claim another object's area for dev->priv, as a hostile or broken peer would.
 */
#ifndef UL_LIE_H
#define UL_LIE_H
#include "kdefs.h"

/* When set, the area the k-driver claims for every net_device. */
extern void *ul_lie_area;

static inline void *ul_lie(const struct net_device *dev)
{
	return ul_lie_area ? ul_lie_area : netdev_priv(dev);
}
#define netdev_priv(dev) ul_lie(dev)
#endif
