// Kernel services the u-driver cannot forward to the k-driver as they are, with what its shim says
// instead. pci_ioremap_bar's result is an address the driver's register accessors dereference: a
// kernel address means nothing in user mode, so the u-driver must map the BAR itself (mmap of the
// k-driver's device). Until runtime/c/ukernel can map one, the shim refuses and the probe fails.
export const USER_REFUSED: Record<string, string> = {
  pci_ioremap_bar: 'mapping a BAR into the u-driver needs mmap on the k-driver\'s device, which this build does not have; the probe cannot reach the registers',
};
