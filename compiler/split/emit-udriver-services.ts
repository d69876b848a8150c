// Kernel services the u-driver cannot forward to the k-driver as they are: their results are
// addresses the driver's register accessors dereference, and a kernel address means nothing in
// user mode; or (enabling I/O) the kernel's answer gives the u-driver's in/out no port access. The u-driver maps a BAR itself, from the k-driver's device (the glue offers BAR i as
// region i; runtime/c/ukernel's mdl_uk_map_region), and unmaps what it mapped; a physical range
// that is no BAR (ioremap) it cannot map: refused with a message, the driver's own error path
// follows.
export type UserLocal = { kind: 'map-bar' } | { kind: 'unmap' } | { kind: 'refuse'; message: string } | { kind: 'enable-io' } | { kind: 'never-sent' };

export const USER_LOCAL: Record<string, UserLocal> = {
  pci_ioremap_bar: { kind: 'map-bar' },
  iounmap: { kind: 'unmap' },
  ioremap: { kind: 'refuse', message: "a physical range that is no BAR of the device cannot be mapped into the u-driver (the k-driver's device offers its BARs only)" },
  // Enabling the device with its I/O ports (e1000's 82540 resets through them: e1000_io_write's
  // outl runs in the u-driver) also lets the u-driver's in/out instructions reach its I/O BARs.
  pci_enable_device: { kind: 'enable-io' },
  pci_enable_device_io: { kind: 'enable-io' },
  // A work item the u-driver never handed to the kernel is pending nowhere: cancelling or flushing
  // it is "it was idle" here, where the kernel would warn about a work item it never initialised
  // (e1000_remove cancels its reset task, which only a transmit timeout queues).
  cancel_work_sync: { kind: 'never-sent' },
  cancel_delayed_work_sync: { kind: 'never-sent' },
  cancel_work: { kind: 'never-sent' },
  cancel_delayed_work: { kind: 'never-sent' },
  flush_work: { kind: 'never-sent' },
  flush_delayed_work: { kind: 'never-sent' },
};

/**
 * Data a module's code names that the module loader and modpost provide (THIS_MODULE, the
 * module_param ops), by C type. The u-driver is no module: it defines them, zeroed, so the
 * driver's tables link; nothing in user mode reads them (its parameters are not parsed, its
 * pci_driver's owner never reaches the kernel).
 */
export const MODULE_DATA: Record<string, string> = {
  __this_module: 'struct module',
  param_ops_bool: 'const struct kernel_param_ops',
  param_ops_int: 'const struct kernel_param_ops',
  param_ops_uint: 'const struct kernel_param_ops',
  param_ops_ushort: 'const struct kernel_param_ops',
  param_ops_charp: 'const struct kernel_param_ops',
  param_array_ops: 'const struct kernel_param_ops',
};
