// The C names the C backends give to what the IDL declares, composed here so the checker can
// refuse a program whose generated names would collide (rules/c-names.ts) and the backends print
// exactly the names it checked. docs/c-api.md, "Names", states the rule.

/**
 * Joins name segments with `_`, without stutter: a segment equal to the one before it, or that
 * starts with it and `_`, replaces it (module `toynic`, interface `toynic`, function
 * `toynic_request_irq` give `toynic_request_irq`, not `toynic_toynic_toynic_request_irq`), and a
 * segment equal to an earlier one is dropped (`toynic_kernel_stubs`, not `toynic_kernel_toynic_stubs`).
 */
export function cName(...segments: string[]): string {
  const kept: string[] = [];
  for (const seg of segments) {
    const last = kept[kept.length - 1];
    if (last !== undefined && (seg === last || seg.startsWith(`${last}_`))) kept[kept.length - 1] = seg;
    else if (!kept.includes(seg)) kept.push(seg);
  }
  return kept.join('_');
}

/** The calling stub of a function: `<module>_<interface>_<function>` without stutter. */
export function stubName(prefix: string, iface: string, fn: string): string {
  return cName(prefix, iface, fn);
}

/** The table of calling stubs one side has for an interface it calls. */
export function stubTableName(prefix: string, side: 'kernel' | 'user', iface: string): string {
  return cName(prefix, side, iface, 'stubs');
}

/** The wire-id macro of a type or an interface (`NIC_ID_NET_DEVICE`). */
export function typeIdMacro(prefix: string, name: string): string {
  return `${prefix}_ID_${name}`.toUpperCase();
}

/**
 * The wire-id macro of a function (`NIC_FN_KERNEL_REQUEST_IRQ`). `FN`, not the types' `ID`: a
 * function named like a type (the kernel's `snd_ac97_bus()` makes a `struct snd_ac97_bus`) in an
 * interface named like the module would otherwise get the type's macro.
 */
export function functionIdMacro(prefix: string, iface: string, fn: string): string {
  return cName(prefix, 'FN', iface, fn).toUpperCase();
}
