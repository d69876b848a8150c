// DriverSlicer writes its attributes after the `*` of a pointer (`char * __attribute__((nullterm))
// name`), where the C front end keeps them on the pointer type. They describe the declaration all the
// same, so before lowering they are moved onto the field, parameter or function they belong to, and
// everything after reads one attribute list. Types are walked with an explicit stack (no recursion
// over what a header controls).
import type { Diagnostic } from '../../idl/diagnostics.js';
import { isAnnotation } from './annotations.js';
import type { CAttribute, CRecord, CTranslationUnit, CType } from './c-ast.js';

/** Returns warnings for annotations on inner pointer levels (`T * A * name`), which mdidl cannot express. */
export function hoistPointerAnnotations(unit: CTranslationUnit): Diagnostic[] {
  const warnings: Diagnostic[] = [];
  const hoist = (t: CType, into: CAttribute[]): Extract<CType, { kind: 'function' }> | null => hoistOne(t, into, warnings);
  const types: CType[] = [];
  const seen = new Set<CRecord>();
  const records: CRecord[] = [...unit.records.values()];
  for (const d of unit.decls) {
    if (d.kind === 'function') {
      hoist(d.type.returns, d.attrs);
      types.push(d.type);
    } else if (d.kind === 'typedef' || d.kind === 'variable') {
      // Not a place for annotations; hoisted so lowering reports them there instead of losing them.
      const fn = hoist(d.type, d.attrs);
      if (fn) hoist(fn.returns, d.attrs);
      types.push(d.type);
    } else types.push(d.type);
  }
  for (;;) {
    const r = records.pop();
    if (r) {
      if (seen.has(r)) continue;
      seen.add(r);
      for (const m of r.members) {
        const fn = hoist(m.type, m.attrs);
        if (fn) hoist(fn.returns, m.attrs);
        types.push(m.type);
      }
      continue;
    }
    const t = types.pop();
    if (!t) return warnings;
    switch (t.kind) {
      case 'pointer':
        types.push(t.to);
        break;
      case 'array':
        types.push(t.of);
        break;
      case 'function':
        for (const p of t.params) {
          hoist(p.type, p.attrs);
          types.push(p.type);
        }
        types.push(t.returns);
        break;
      case 'record':
        if (t.record.def) records.push(t.record.def);
        break;
      default:
        break;
    }
  }
}

/**
 * Moves the annotations on the outermost pointer level of a declarator (`T * A name`, arrays of such)
 * into `into`; returns the function type when the declarator is a function pointer, whose return
 * value the declaration's attributes also describe. Annotations on inner levels (`T * A * B name`:
 * A) describe the pointed-to pointers, which mdidl has no attributes for: they warn and stay.
 */
function hoistOne(t: CType, into: CAttribute[], warnings: Diagnostic[]): Extract<CType, { kind: 'function' }> | null {
  let cur = t;
  while (cur.kind === 'array') cur = cur.of;
  if (cur.kind !== 'pointer') return null;
  move(cur.attrs, into);
  if (cur.to.kind === 'function') return cur.to;
  for (let inner: CType = cur.to, i = 0; i < 64 && inner.kind === 'pointer'; inner = inner.to, i++) {
    for (const a of inner.attrs.filter(isAnnotation)) {
      const l = a.loc;
      warnings.push({
        severity: 'warning',
        code: 'unsupported-annotation',
        message: `'${a.name}' on an inner pointer level (the pointers this one points to) is not supported: mdidl annotates the outermost pointer only; ignored`,
        loc: { file: l.file, line: l.line, column: l.column, offset: 0, endOffset: 0, endLine: l.line, endColumn: l.column + 1 },
      });
    }
  }
  return null;
}

function move(from: CAttribute[], into: CAttribute[]): void {
  for (let i = 0; i < from.length; i++) {
    const a = from[i]!;
    if (!isAnnotation(a)) continue;
    into.push(a);
    from.splice(i--, 1);
  }
}
