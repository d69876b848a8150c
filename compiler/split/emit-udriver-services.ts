// Kernel services the u-driver cannot forward to the k-driver as they are, with what its shim says
// instead. pci_ioremap_bar's result is an address the driver's register accessors dereference: a
// kernel address means nothing in user mode, so the u-driver must map the BAR itself (mmap of the
// k-driver's device). Until runtime/c/ukernel can map one, the shim refuses and the probe fails.
export const USER_REFUSED: Record<string, string> = {
  pci_ioremap_bar: 'mapping a BAR into the u-driver needs mmap on the k-driver\'s device, which this build does not have; the probe cannot reach the registers',
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
