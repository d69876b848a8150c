// MDL_CRITICAL written in the driver's source. clang drops attributes it does not know, so the IR
// cannot carry it; the preprocessed text can: with __MDIDL__ defined the macro is
// `__attribute__((mdl_critical))`, written before a declaration or after its parameter list.
import { readInputFile } from '../../idl/read-input.js';

export function sourceCriticals(files: string[]): Set<string> {
  const out = new Set<string>();
  for (const f of files) {
    if (!f.endsWith('.i')) continue;
    // Bounded like every input; one clang cannot read is reported by the front end.
    const text = readInputFile(f);
    if (text === null) continue;
    const re = /__attribute__\s*\(\(\s*mdl_critical\s*\)\)/g;
    for (let m = re.exec(text); m; m = re.exec(text)) {
      // The declaration the attribute belongs to: the statement around it, up to ';' or '{'.
      const start = Math.max(text.lastIndexOf(';', m.index), text.lastIndexOf('}', m.index), text.lastIndexOf('\n#', m.index)) + 1;
      const endSemi = text.indexOf(';', m.index);
      const endBrace = text.indexOf('{', m.index);
      const end = Math.min(endSemi < 0 ? text.length : endSemi, endBrace < 0 ? text.length : endBrace);
      const decl = text.slice(start, end).replace(/__attribute__\s*\(\((?:[^()]|\([^()]*\))*\)\)/g, ' ');
      const name = /([A-Za-z_]\w*)\s*\(/.exec(decl)?.[1];
      if (name) out.add(name);
    }
  }
  return out;
}
