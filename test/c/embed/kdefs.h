/*
 * The kernel's definitions of test/c/embed/embed.mdl's [header] types, for the k-driver built in
 * user space against test/c/shim: a pci_dev that holds its device by value, the device its
 * kobject. They hold more than the IDL's views, in other types and another order, as Linux's do.
 */
#ifndef KDEFS_H
#define KDEFS_H
#include <linux/types.h>

struct kobject {
	struct kobject *parent;
	unsigned long kernel_only;
	const char *name;
};

struct device {
	struct device *parent;
	unsigned int id;
	struct kobject kobj;
	void *driver_data;
	const char *init_name;
};

struct pci_dev {
	unsigned int irq;
	struct device dev;
	unsigned short vendor;
};
#endif
