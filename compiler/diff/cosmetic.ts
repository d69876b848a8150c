// Text-level differences the IR cannot see: layout and comments. Files are paired by module name
// (module names are unique in a program and survive a file rename). For each pair whose text
// differs: if `mdidl fmt` prints both the same, only formatting changed; if they print the same
// once comments are dropped, only comments changed. Anything else is a real edit, which the IR
// comparison reports; when it reports nothing for the file (declarations reordered, an expression
// respelled with the same value), one cosmetic `text-changed` says the text moved on regardless.
import type * as A from '../../idl/ast.js';
import type { Program } from '../../idl/program.js';
import { printDocument } from '../../idl/printer.js';
import type { IrSource } from '../ir/types.js';
import type { Change } from './change.js';
import { list } from './model.js';

export function cosmeticChanges(oldProgram: Program, newProgram: Program, semantic: readonly Change[]): Change[] {
  const out: Change[] = [];
  const olds = new Map<string, A.Document>();
  for (const d of oldProgram.documents) if (d.module) olds.set(d.module.name.value, d);
  const news = [...newProgram.documents].filter((d) => d.module).sort((a, b) => cmp(a.module!.name.value, b.module!.name.value));
  for (const n of news) {
    const o = olds.get(n.module!.name.value);
    if (!o) continue;
    const oText = oldProgram.sources.get(o.file) ?? '';
    const nText = newProgram.sources.get(n.file) ?? '';
    if (oText === nText) continue;
    const subject = `module ${n.module!.name.value}`;
    if (printDocument(o) === printDocument(n)) {
      const line = firstDifferentLine(oText, nText);
      out.push({
        class: 'cosmetic',
        kind: 'formatting-changed',
        subject,
        message: 'layout only: mdidl fmt prints both versions the same',
        old: { file: o.file, line, column: 1 },
        new: { file: n.file, line, column: 1 },
      });
      continue;
    }
    const commentsOnly = printDocument({ ...o, comments: [] }) === printDocument({ ...n, comments: [] });
    const delta = commentDelta(o.comments, n.comments);
    if (commentsOnly || delta.added.length || delta.removed.length) {
      const parts: string[] = [];
      if (delta.added.length) parts.push(`added ${list(delta.added.map((c) => quote(c.text)), 3)}`);
      if (delta.removed.length) parts.push(`removed ${list(delta.removed.map((c) => quote(c.text)), 3)}`);
      if (!parts.length) parts.push('moved');
      const c: Change = { class: 'cosmetic', kind: 'comments-changed', subject, message: `comments ${parts.join('; ')}` };
      const firstOld = delta.removed[0];
      const firstNew = delta.added[0];
      if (firstOld) c.old = at(firstOld.loc);
      if (firstNew) c.new = at(firstNew.loc);
      out.push(c);
      if (commentsOnly) continue;
    }
    const touched = [...semantic, ...out].some((c) => c.old?.file === o.file || c.new?.file === n.file || c.subject === subject);
    if (!touched)
      out.push({
        class: 'cosmetic',
        kind: 'text-changed',
        subject,
        message: 'the text changed but the checked interface did not (declarations reordered, or a value spelled differently)',
        old: { file: o.file, line: firstDifferentLine(oText, nText), column: 1 },
        new: { file: n.file, line: firstDifferentLine(oText, nText), column: 1 },
      });
  }
  return out;
}

/** Comments only in one version, compared by their text, so a moved comment is neither. */
function commentDelta(olds: A.Comment[], news: A.Comment[]): { added: A.Comment[]; removed: A.Comment[] } {
  const count = new Map<string, number>();
  for (const c of olds) count.set(norm(c.text), (count.get(norm(c.text)) ?? 0) + 1);
  const added: A.Comment[] = [];
  for (const c of news) {
    const k = norm(c.text);
    const left = count.get(k) ?? 0;
    if (left > 0) count.set(k, left - 1);
    else added.push(c);
  }
  const left = new Map<string, number>();
  for (const c of news) left.set(norm(c.text), (left.get(norm(c.text)) ?? 0) + 1);
  const removed: A.Comment[] = [];
  for (const c of olds) {
    const k = norm(c.text);
    const n = left.get(k) ?? 0;
    if (n > 0) left.set(k, n - 1);
    else removed.push(c);
  }
  return { added, removed };
}

/** Whitespace inside a comment is layout (the printer may re-indent block comments). */
function norm(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

function quote(text: string): string {
  const first = norm(text);
  return `'${first.length > 48 ? `${first.slice(0, 45)}...` : first}'`;
}

function at(loc: A.Loc): IrSource {
  return { file: loc.file, line: loc.line, column: loc.column };
}

function firstDifferentLine(a: string, b: string): number {
  const la = a.split(/\r?\n/);
  const lb = b.split(/\r?\n/);
  let i = 0;
  while (i < la.length && i < lb.length && la[i] === lb[i]) i++;
  return i + 1;
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
