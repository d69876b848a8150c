// DriverSlicer's function summaries: what a kernel function reads and writes, written as the body of
// a function named `MICRODRIVERS__MODIF_<kernel function>` with the same parameters:
//
//   void MICRODRIVERS__MODIF_pci_enable_device(struct pci_dev *dev) {
//           READS(dev->current_state);
//           MODIFIES(dev->enable_cnt);
//           MODIFIES_ADDROF(&dev->dev);
//   }
//
// Each becomes the kernel function's access sets, as if written `MDL_READS(...) MDL_WRITES(...)` on
// it (parameters matched by position, so the kernel prototype may name them differently or not at all).
import type { Diagnostic } from '../../idl/diagnostics.js';
import type { CAttribute, CDecl, CLoc, CToken, CTranslationUnit } from './c-ast.js';
import { SUMMARY_PREFIX } from './c-parser.js';

type FnDecl = Extract<CDecl, { kind: 'function' }>;

const READS = new Set(['READS']);
const WRITES = new Set(['MODIFIES', 'MODIFIES_ADDROF']);

/**
 * Turns every summary in the unit into `mdl_reads`/`mdl_writes` attributes on the function it
 * describes. Returns what could not be used (warnings: a summary is advice, not the interface) and
 * the attributes added, which may sit on functions that do not cross.
 */
export function applySummaries(unit: CTranslationUnit, added: Set<CAttribute>): Diagnostic[] {
  const diags: Diagnostic[] = [];
  const fns = new Map<string, FnDecl[]>();
  for (const d of unit.decls) {
    if (d.kind !== 'function' || d.name.startsWith(SUMMARY_PREFIX)) continue;
    const list = fns.get(d.name) ?? [];
    list.push(d);
    fns.set(d.name, list);
  }
  const done = new Set<string>();
  for (const s of unit.decls) {
    if (s.kind !== 'function' || !s.body || done.has(s.name)) continue;
    done.add(s.name);
    const target = s.name.slice(SUMMARY_PREFIX.length);
    const decls = fns.get(target);
    if (!decls) {
      diags.push(warning(s.loc, `summary '${s.name}' describes '${target}', which is not declared; it is ignored`));
      continue;
    }
    if (decls.some((d) => [...d.attrs, ...d.type.attrs].some((a) => a.name === 'mdl_reads' || a.name === 'mdl_writes'))) {
      diags.push(warning(s.loc, `'${target}' already has MDL_READS/MDL_WRITES; its summary '${s.name}' is ignored`));
      continue;
    }
    // Summary parameter i is the kernel function's parameter i, under the name the IDL gives it.
    const kernel = decls.find((d) => d.type.params.some((p) => p.name)) ?? decls[0]!;
    const rename = new Map<string, string>();
    s.type.params.forEach((p, i) => {
      if (p.name) rename.set(p.name, kernel.type.params[i]?.name ?? `arg${i}`);
    });
    const reads: CToken[][] = [];
    const writes: CToken[][] = [];
    for (const st of statements(s.body)) {
      const head = st[0]!;
      const call = head.kind === 'ident' && (READS.has(head.text) || WRITES.has(head.text)) && st[1]?.text === '(' && st[st.length - 1]?.text === ')';
      if (!call) {
        diags.push(warning(head.loc, `summary '${s.name}': only READS(x), MODIFIES(x) and MODIFIES_ADDROF(x) are understood; '${st.map((t) => t.text).join(' ')}' is ignored`));
        continue;
      }
      let arg = st.slice(2, -1);
      let deref = false;
      if (head.text === 'MODIFIES_ADDROF') {
        // MODIFIES_ADDROF(&x) modifies x; MODIFIES_ADDROF(p) what p points to.
        if (arg[0]?.text === '&') arg = arg.slice(1);
        else deref = true;
      }
      if (arg[0]?.text === '*') {
        arg = arg.slice(1);
        deref = true;
      }
      const root = arg[0];
      const renamed = root?.kind === 'ident' ? rename.get(root.text) : undefined;
      if (!root || renamed === undefined) {
        diags.push(warning(root?.loc ?? head.loc, `summary '${s.name}': '${arg.map((t) => t.text).join('')}' does not start at a parameter, and only what parameters reach can cross; it is ignored`));
        continue;
      }
      const path: CToken[] = [{ ...root, text: renamed }, ...arg.slice(1)];
      if (deref) path.push({ kind: 'punct', text: '->', loc: root.loc }, { kind: 'punct', text: '*', loc: root.loc });
      (READS.has(head.text) ? reads : writes).push(path);
    }
    for (const d of decls) {
      const attrs: CAttribute[] = [
        { name: 'mdl_reads', args: reads, loc: s.loc },
        { name: 'mdl_writes', args: writes, loc: s.loc },
      ];
      for (const a of attrs) {
        d.attrs.push(a);
        added.add(a);
      }
    }
  }
  return diags;
}

/** The body's statements: token runs ending in `;` at depth 0 (nested braces are flattened). */
function statements(body: CToken[]): CToken[][] {
  const out: CToken[][] = [];
  let cur: CToken[] = [];
  let depth = 0;
  for (const t of body) {
    if (t.text === '(' || t.text === '[') depth++;
    else if ((t.text === ')' || t.text === ']') && depth > 0) depth--;
    if (depth === 0 && (t.text === ';' || t.text === '{' || t.text === '}')) {
      if (cur.length) out.push(cur);
      cur = [];
      continue;
    }
    cur.push(t);
  }
  if (cur.length) out.push(cur);
  return out;
}

function warning(l: CLoc, message: string): Diagnostic {
  return { severity: 'warning', code: 'summary', message, loc: { file: l.file, line: l.line, column: l.column, offset: 0, endOffset: 0, endLine: l.line, endColumn: l.column + 1 } };
}
