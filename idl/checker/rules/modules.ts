// Every file names its module: ids, generated file names and `mdidl diff` all key on it.
import type { CheckContext } from '../context.js';

export function checkModules(ctx: CheckContext): void {
  const byName = new Map<string, string>();
  for (const doc of ctx.program.documents) {
    if (!doc.module) {
      ctx.error('missing-module', `file has no module declaration; start it with 'module <name> version <n>;'`, {
        ...doc.loc,
        endOffset: 0,
        endLine: 1,
        endColumn: 1,
      });
      continue;
    }
    const m = doc.module;
    ctx.moduleOf.set(doc.file, m.name.value);
    const v = BigInt(m.version.value);
    if (v < 0n || v > 65535n) ctx.error('bad-version', `module version must be within 0..65535, got ${v}`, m.version.loc);
    const other = byName.get(m.name.value);
    if (other && other !== doc.file)
      ctx.error('duplicate-module', `module '${m.name.value}' is also declared by ${other}`, m.name.loc);
    else byName.set(m.name.value, doc.file);
  }
}
