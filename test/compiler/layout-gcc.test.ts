// The IR's layouts must be the ones the C compiler produces, or the generated C would disagree
// with the IDL about where fields live. gcc is the oracle: each struct is printed as C, compiled,
// and its sizeof/alignof/offsetof and bitfield positions compared with the IR.
import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { IrProgram, IrStruct, IrType, IrUnion } from '../../compiler/ir/types.js';
import { irOf } from '../helpers.js';

function cType(t: IrType, name: string): string {
  switch (t.kind) {
    case 'int':
      return t.name === 'ulong' ? `unsigned long ${name}` : t.name === 'slong' ? `long ${name}` : `${t.signed ? 'int' : 'uint'}${t.bits}_t ${name}`;
    case 'bool':
      return `_Bool ${name}`;
    case 'char':
      return `char ${name}`;
    case 'void':
      return `void ${name}`;
    case 'struct':
    case 'union':
    case 'enum':
      return `${t.kind === 'enum' ? 'enum' : t.kind} ${t.name} ${name}`;
    case 'callback':
      return `void (*${name})(void)`;
    case 'interface':
      return `struct ${t.name} ${name}`;
    case 'alias':
      return `${t.name} ${name}`;
    case 'pointer':
      return cType(t.to, `*${name}`);
    case 'array':
      return cType(t.of, `${name}[${t.length}]`);
  }
}

function cProgram(ir: IrProgram): string {
  const lines = ['#include <stdint.h>', '#include <stddef.h>', '#include <stdio.h>', '#include <string.h>'];
  for (const t of ir.types) {
    if (t.kind === 'enum') {
      // Pin the underlying type as the IDL does; GNU C packs enums only when asked, so use the base.
      lines.push(`typedef ${cType(t.base, '')} enum_${t.name};`);
      lines.push(`#define ${t.name} enum_${t.name}`);
    } else if (t.kind === 'typedef') lines.push(`typedef ${cType(t.target, t.name)};`);
    else if (t.kind === 'struct' && !t.complete) lines.push(`struct ${t.name};`);
    else if (t.kind === 'struct' || t.kind === 'union') {
      const fields = t.kind === 'struct' ? t.fields : t.arms.map((a) => a.field);
      lines.push(`${t.kind} ${t.name} {`);
      for (const f of fields) lines.push(`  ${cType(f.type, f.name)}${f.bitWidth !== null ? ` : ${f.bitWidth}` : ''};`);
      lines.push('};');
    }
  }
  const fix = (s: string): string => s.replace(/enum (\w+) /g, '$1 ');
  const body = lines.map(fix);
  body.push('int main(void) {');
  for (const t of ir.types) {
    if ((t.kind !== 'struct' || !t.complete) && t.kind !== 'union') continue;
    const tag = `${t.kind} ${t.name}`;
    body.push(`  printf("%s size %zu align %zu\\n", "${t.name}", sizeof(${tag}), _Alignof(${tag}));`);
    const fields = t.kind === 'struct' ? t.fields : t.arms.map((a) => a.field);
    for (const f of fields) {
      if (f.bitWidth === null) {
        body.push(`  printf("%s.%s offset %zu\\n", "${t.name}", "${f.name}", offsetof(${tag}, ${f.name}));`);
      } else {
        // A bitfield has no address: set it to all ones in a zeroed object and find its first bit.
        body.push(`  { ${tag} v; memset(&v, 0, sizeof v); v.${f.name} = ${((1n << BigInt(f.bitWidth)) - 1n).toString()}ull; unsigned char *p = (unsigned char *)&v; size_t bit = 0;`);
        body.push(`    while (!(p[bit / 8] & (1u << (bit % 8)))) bit++;`);
        body.push(`    printf("%s.%s bit %zu\\n", "${t.name}", "${f.name}", bit); }`);
      }
    }
  }
  body.push('  return 0;', '}');
  return body.join('\n') + '\n';
}

function irFacts(ir: IrProgram): string[] {
  const out: string[] = [];
  for (const t of ir.types) {
    if ((t.kind !== 'struct' || !t.complete) && t.kind !== 'union') continue;
    const agg = t as IrStruct | IrUnion;
    out.push(`${agg.name} size ${agg.size} align ${agg.align}`);
    const fields = agg.kind === 'struct' ? agg.fields : agg.arms.map((a) => a.field);
    for (const f of fields) {
      if (f.bitWidth === null) out.push(`${agg.name}.${f.name} offset ${f.offset}`);
      else out.push(`${agg.name}.${f.name} bit ${f.offset * 8 + f.bitOffset!}`);
    }
  }
  return out;
}

function gccFacts(ir: IrProgram): string[] {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mdidl-layout-'));
  try {
    const src = path.join(dir, 'layout.c');
    const exe = path.join(dir, 'layout');
    fs.writeFileSync(src, cProgram(ir));
    execFileSync('gcc', ['-std=gnu11', '-Wall', '-Werror', '-o', exe, src], { stdio: 'pipe' });
    return execFileSync(exe, { encoding: 'utf8' }).trim().split('\n');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const PROGRAMS: Record<string, string> = {
  'scalars and padding': `
struct a { u8 c; u64 x; u16 s; u32 i; u8 tail; }
struct b { char name[13]; u32 n; bool f; }
struct c { u8 x; }`,
  'pointers, embedded structs and arrays': `
struct in { u16 a; u8 b; }
struct out { u8 c; in inner; in many[3]; u8 *p; ulong l; slong m[2][3]; u8 z; }`,
  'bitfields pack and straddle like gcc': `
struct bf { u32 a : 1; u32 b : 3; u8 c; u32 d : 30; u32 e : 5; u16 f : 9; u16 g : 9; u64 h : 40; u64 i : 30; u8 j : 2; }
struct bf2 { u8 x : 7; u8 y : 2; u16 z : 15; u32 w; }`,
  'enums with explicit bases and typedefs': `
enum small : u8 { A, B }
enum wide : u64 { C = 0x100000000 }
enum plain { D }
typedef u16 port_t;
typedef u8 mac_t[6];
struct e { small s; wide w; plain p; port_t port; mac_t mac; small t; }`,
  'unions': `
union u switch (u8) { case 1: u8 a; case 2: u64 b; case 3: u8 c[9]; }
struct holder { u8 k; [switch(k)] u h; u8 after; }`,
};

describe('IR layout agrees with gcc (x86-64, LP64)', () => {
  for (const [name, body] of Object.entries(PROGRAMS)) {
    it(name, () => {
      const ir = irOf(body);
      expect(irFacts(ir)).to.deep.equal(gccFacts(ir));
    });
  }
});
