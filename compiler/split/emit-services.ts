// Which kernel services the k-driver serves as downcalls. The u-driver brings a small library of
// its own for what user mode does itself (docs/real-e1000-split.md): delays and sleeping, locks,
// memory, strings and bit searches, printing, the compiler's fortify checks, the register accessors. A call of those never
// needs the kernel, and several are not even callable from a module (`__bad_udelay` and
// `__write_overflow` exist only to fail the link or the build). Registering the driver's table is
// the glue's job at module load, so the u-driver does not do it.

import type { IrType } from '../ir/types.js';

const ULIB: RegExp[] = [
  /^(__)?(n|u|m)delay$|^__(const|bad)_[nu]?delay$|^__bad_udelay$|^msleep(_interruptible)?$|^usleep_range(_state)?$|^ssleep$|^fsleep$/,
  /^_raw_(spin|read|write)_|^(spin|read|write)_(un)?lock|^mutex_|^__mutex_|^(__)?local_bh_(dis|en)able|^down(_interruptible)?$|^up$/,
  /^(__)?kmalloc|^kzalloc|^kcalloc|^krealloc|^kmem_cache_|^kfree$|^kvmalloc|^kvfree$|^vmalloc$|^vzalloc$|^vfree$|^is_vmalloc_addr$|^kmalloc_trace$|^kmalloc_large$/,
  /^__(read|write)_overflow\d*(_field)?$|^fortify_panic$/,
  /^_find_(next|first|last)_|^__bitmap_|^bitmap_/,
  // The register accessors run on the u-driver's own mapping of the BAR (a kernel cookie never reaches it).
  /^io(read|write)(8|16|32|64)(be)?(_rep)?$/,
  /^print_hex_dump|printk|^_dev_(err|warn|info|notice|dbg)$|^netdev_(err|warn|info|notice|dbg|printk)$|^__dynamic_/,
];

const REGISTRATION = /^__pci_register_driver$|^pci_unregister_driver$/;

export type ServiceRole = 'served' | 'ulib' | 'registration';

export function serviceRole(name: string): ServiceRole {
  if (REGISTRATION.test(name)) return 'registration';
  return ULIB.some((re) => re.test(name)) ? 'ulib' : 'served';
}

/**
 * How the glue registers a driver table it finds in the units (by the table's C struct). `bar0`:
 * the glue offers the device's BAR0 for the u-driver to map while it is bound (wrapping the
 * table's probe and remove), so the driver's register accesses run in user mode.
 */
export const REGISTRARS: Record<string, { register: string; unregister: string; header: string; bar0: boolean }> = {
  pci_driver: { register: 'pci_register_driver', unregister: 'pci_unregister_driver', header: 'linux/pci.h', bar0: true },
};

/**
 * What a user-side function the interface has no upcall for returns when the kernel calls it
 * anyway, for the kernel types whose "it failed" is no errno (an integer type gets -ENODEV).
 */
export const FAILED_VALUES: Record<string, string> = {
  pci_ers_result_t: 'PCI_ERS_RESULT_DISCONNECT',
  irqreturn_t: 'IRQ_NONE',
  netdev_tx_t: 'NETDEV_TX_BUSY',
  vm_fault_t: 'VM_FAULT_SIGBUS',
};

/**
 * Kernel objects the driver's code names by their global and hands back to the kernel through a
 * service (`queue_work(system_wq, w)` is `queue_work_on(cpu, system_wq, w)`), by the pointed-to
 * struct. The interface cannot name a kernel object the u-driver never received, so the u-driver
 * defines the global as a token of its own, its shim sends NULL for it (and refuses any other
 * object of the type: it never has one), and the k-driver's service gives the kernel its own
 * global for NULL (which the kernel would never accept there).
 */
export const KERNEL_GLOBALS: Record<string, string> = {
  workqueue_struct: 'system_wq',
};

/** The kernel global a service parameter stands for (a `workqueue_struct *`), or null. */
export function kernelGlobalOf(t: IrType): string | null {
  if (t.kind !== 'pointer' || (t.to.kind !== 'struct' && t.to.kind !== 'union')) return null;
  return KERNEL_GLOBALS[t.to.name] ?? null;
}

/**
 * Ops-table pointers of kernel objects the driver sets up in user mode (probe's `netdev->netdev_ops
 * = &e1000_netdev_ops`), by the object's struct: the kernel refuses a table from the u-driver (a
 * const pointer of its own struct), and the right table is the k-driver's own copy of the driver's
 * table, whose members are the kernel-side functions or their upcalls. So the glue sets them, from
 * the units' tables, on every such object a served service receives before the kernel sees it.
 */
export const KERNEL_OPS: Record<string, { field: string; table: string }[]> = {
  net_device: [
    { field: 'netdev_ops', table: 'net_device_ops' },
    { field: 'ethtool_ops', table: 'ethtool_ops' },
  ],
};

/**
 * Ops-table members the kernel calls before any other member of the table, and whose error fails
 * the operation (ethtool's `begin`), by table: the glue gives the kernel a copy of the driver's table
 * whose member fails with -ENODEV while no u-driver is attached (then calls the driver's own, if
 * any). Without it the table's void members (get_drvinfo, get_strings) would answer from structs
 * nobody filled, since they cannot report the upcall that failed.
 */
export const GUARDS: Record<string, { member: string; params: string; args: string }> = {
  ethtool_ops: { member: 'begin', params: 'struct net_device *dev', args: 'dev' },
};

/**
 * What the k-driver's services register for the bound device on the u-driver's behalf and the glue
 * must undo itself if the device is removed while no u-driver is attached (the driver's remove is an
 * upcall that cannot run then): the kernel would go on calling the interrupt handler and the
 * interface's ops, in a module about to go and on registers about to be unmapped. By service: what
 * it registers or releases, and its parameters that name it.
 */
export const ORPHANS: Record<string, { what: 'irq' | 'netdev'; track: boolean; args: number[] }> = {
  request_threaded_irq: { what: 'irq', track: true, args: [0, 5] },
  free_irq: { what: 'irq', track: false, args: [0, 1] },
  register_netdev: { what: 'netdev', track: true, args: [0] },
  unregister_netdev: { what: 'netdev', track: false, args: [0] },
  free_netdev: { what: 'netdev', track: false, args: [0] },
};

/**
 * When an object of KERNEL_OPS is still the driver's to set up (`%` is the object): the kernel may
 * have given it a default table already (alloc_netdev_mqs sets `default_ethtool_ops`, which is not
 * exported), so "no table yet" is not enough. Until it is registered the tables are the driver's.
 */
export const UNREGISTERED: Record<string, string> = {
  net_device: '%->reg_state == NETREG_UNINITIALIZED',
};

/**
 * The services that free an object of the kernel's whose private area holds the driver's work
 * items, by the object's struct: the glue cancels the items before (docs/split.md, "Work items").
 */
export const RELEASES: Record<string, string[]> = {
  net_device: ['free_netdev'],
};

/**
 * The parent device a driver gives a kernel object before registering it (e1000_probe's
 * `SET_NETDEV_DEV(netdev, &pdev->dev)`) is a pointer into the PCI device's struct, which never
 * crosses (`device.parent` is the kernel's): the glue sets it, to the PCI device being probed, in
 * the service that registers the object, if the object has none. Without it the interface has no
 * `device` link in sysfs, and no driver to name.
 */
export const PARENTS: Record<string, { service: string; set: string }> = {
  net_device: { service: 'register_netdev', set: 'SET_NETDEV_DEV' },
};
