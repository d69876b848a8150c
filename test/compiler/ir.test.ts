// Behaviour of the IR builder: what the checked program becomes. Every expected value here is
// derived from the language rules (C layout, FNV-1a ids, access-set closure), not copied from output.
import * as path from 'node:path';
import { expect } from 'chai';
import type {
  IrAccess,
  IrCallback,
  IrEnum,
  IrField,
  IrFunction,
  IrMarshal,
  IrProgram,
  IrSelection,
  IrStruct,
  IrTypeDecl,
  IrTypedef,
  IrUnion,
} from '../../compiler/ir/types.js';
import { frontEnd } from '../../compiler/pipeline.js';
import { brief, checkSources, irOf } from '../helpers.js';

// ---- lookup helpers ---------------------------------------------------------------------------

function decl<K extends IrTypeDecl['kind']>(ir: IrProgram, kind: K, name: string): Extract<IrTypeDecl, { kind: K }> {
  const d = ir.types.find((t) => t.kind === kind && t.name === name);
  if (!d) throw new Error(`no ${kind} ${name}`);
  return d as Extract<IrTypeDecl, { kind: K }>;
}

function fn(ir: IrProgram, iface: string, name: string): IrFunction {
  const f = ir.interfaces.find((i) => i.name === iface)?.functions.find((x) => x.name === name);
  if (!f) throw new Error(`no function ${iface}.${name}`);
  return f;
}

function field(s: IrStruct, name: string): IrField {
  const f = s.fields.find((x) => x.name === name);
  if (!f) throw new Error(`no field ${s.name}.${name}`);
  return f;
}

/** The marshal of a plain scalar, with what a test says differs. */
function M(partial: Partial<IrMarshal> = {}): IrMarshal {
  return {
    mode: 'value',
    nonNull: false,
    count: null,
    max: null,
    string: false,
    asType: null,
    container: null,
    switchOn: null,
    recursive: false,
    trailing: null,
    ...partial,
  };
}

/** A selected field. */
function F(name: string, index: number, select: IrSelection | null = null, implicit = false, through = false): IrSelection['fields'][number] {
  return { name, index, implicit, through, select };
}
/** A field paths only pass through (no path ends at it). */
const T = (name: string, index: number, select: IrSelection): IrSelection['fields'][number] => F(name, index, select, false, true);
const none = (...fields: IrSelection['fields']): IrSelection => ({ all: 'none', fields });
const shallow = (...fields: IrSelection['fields']): IrSelection => ({ all: 'shallow', fields });
const deep = (...fields: IrSelection['fields']): IrSelection => ({ all: 'deep', fields });
const acc = (param: string, index: number, select: IrSelection): IrAccess => ({ param, index, select });

/** FNV-1a over UTF-8, 32 bits, folded to 31; 0 becomes 1: the wire id rule. */
function fnv(text: string): number {
  let h = 0x811c9dc5n;
  for (const b of Buffer.from(text, 'utf8')) {
    h ^= BigInt(b);
    h = (h * 0x01000193n) & 0xffffffffn;
  }
  const id = Number(h & 0x7fffffffn);
  return id === 0 ? 1 : id;
}

const U8 = { kind: 'int', name: 'u8', bits: 8, signed: false } as const;
const U16 = { kind: 'int', name: 'u16', bits: 16, signed: false } as const;
const U32 = { kind: 'int', name: 'u32', bits: 32, signed: false } as const;
const U64 = { kind: 'int', name: 'u64', bits: 64, signed: false } as const;
const S8 = { kind: 'int', name: 's8', bits: 8, signed: true } as const;
const S32 = { kind: 'int', name: 's32', bits: 32, signed: true } as const;
const ULONG = { kind: 'int', name: 'ulong', bits: 64, signed: false } as const;

// ---- access sets --------------------------------------------------------------------------------

// Field indices, for reading the expectations below:
//   private_data: len 0, buf 1, inr 2, kind 3, arg 4, nlen 5, pairs 6
//   dev:          flags 0, priv 1, other 2, ip 3, arr 4
//   inner:        a 0, b 1          arg_u arms: a 0, b 1
const ACCESS = `
struct inner { u32 a; u32 b; }
enum kind_t : u8 { K_A = 1, K_B }
union arg_u switch (kind_t) { case K_A: u32 a; case K_B: u64 b; }
struct private_data {
    u32 len;
    [count(len)] u8 *buf;
    inner inr;
    kind_t kind;
    [switch(kind)] arg_u arg;
    u32 nlen;
    [count(nlen * 2 + len)] u16 *pairs;
}
struct dev {
    u32 flags;
    private_data *priv;
    u32 other;
    inner *ip;
    inner arr[2];
}
interface other_ops { downcall void ping(); }
interface ops {
    upcall s32 open(dev *d) reads(d.priv.*, d.flags) writes(d.flags);
    upcall s32 rx(dev *d) reads(d.priv.buf) writes(d.priv.buf, d.priv.len);
    upcall s32 cmd(dev *d) reads(d.priv.arg);
    upcall s32 arm(dev *d) reads(d.priv.arg.b);
    upcall s32 pairs(dev *d) reads(d.priv.pairs);
    upcall s32 wild(dev *d) reads(d.**, d.*) writes(d.*, d.priv.**);
    upcall s32 widen(dev *d) reads(d.priv.*, d.priv.**) writes(d.priv.**, d.priv.*);
    upcall s32 two(dev *a, u32 n, dev *b) reads(b.other, a.ip.b, a.ip.a, b.flags);
    upcall s32 arr(dev *d) reads(d.arr.b);
    upcall s32 nothing(dev *d) reads();
    upcall s32 silent(dev *d) reads() writes();
    critical s32 fast(dev *d);
    downcall s32 dflt(dev *d, u32 n, const dev *c, [opaque] void *h, [string] const char *s, [count(n)] inner *v,
                      const other_ops *tbl, [as(inner)] void *cookie, inner byval, u32 *counter);
}
`;

describe('IR builder', () => {
  describe('access sets', () => {
    const ir = irOf(ACCESS);

    it('resolves paths into a selection tree sorted by field index', () => {
      const open = fn(ir, 'ops', 'open');
      expect(open.explicitReads).to.equal(true);
      expect(open.explicitWrites).to.equal(true);
      // Written priv first, flags second: the tree lists flags (0) before priv (1).
      expect(open.reads).to.deep.equal([acc('d', 0, none(F('flags', 0), F('priv', 1, shallow())))]);
      expect(open.writes).to.deep.equal([acc('d', 0, none(F('flags', 0)))]);
    });

    it('orders accesses by parameter index and fields by index at every level (paths pass through ip)', () => {
      expect(fn(ir, 'ops', 'two').reads).to.deep.equal([
        acc('a', 0, none(T('ip', 3, none(F('a', 0), F('b', 1))))),
        acc('b', 2, none(F('flags', 0), F('other', 2))),
      ]);
    });

    it('drags in the count of a counted field selected alone, marked implicit', () => {
      const rx = fn(ir, 'ops', 'rx');
      expect(rx.reads).to.deep.equal([acc('d', 0, none(T('priv', 1, none(F('len', 0, null, true), F('buf', 1)))))]);
      // Named explicitly, the count is not implicit.
      expect(rx.writes).to.deep.equal([acc('d', 0, none(T('priv', 1, none(F('len', 0), F('buf', 1)))))]);
    });

    it('drags in every field a count expression names', () => {
      // [count(nlen * 2 + len)]: both nlen (5) and len (0).
      expect(fn(ir, 'ops', 'pairs').reads).to.deep.equal([
        acc('d', 0, none(T('priv', 1, none(F('len', 0, null, true), F('nlen', 5, null, true), F('pairs', 6))))),
      ]);
    });

    it('drags in the discriminant of a union field', () => {
      expect(fn(ir, 'ops', 'cmd').reads).to.deep.equal([
        acc('d', 0, none(T('priv', 1, none(F('kind', 3, null, true), F('arg', 4))))),
      ]);
      // A path into one arm still needs the discriminant beside the union.
      expect(fn(ir, 'ops', 'arm').reads).to.deep.equal([
        acc('d', 0, none(T('priv', 1, none(F('kind', 3, null, true), T('arg', 4, none(F('b', 1))))))),
      ]);
    });

    it('reads the pointers a writes path passes through (implicit), unless a wildcard already does', () => {
      const ir2 = irOf(`
        struct inner { u32 a; u32 b; }
        struct dev { u32 flags; inner *ip; }
        interface ops {
            upcall s32 f(dev *d) reads(d.flags) writes(d.ip.a);
            upcall s32 g(dev *d) reads(d.*) writes(d.ip.a);
            upcall s32 h(dev *d) reads() writes(d.ip.*);
        }`);
      expect(fn(ir2, 'ops', 'f').reads).to.deep.equal([acc('d', 0, none(F('flags', 0), F('ip', 1, null, true)))]);
      expect(fn(ir2, 'ops', 'f').writes).to.deep.equal([acc('d', 0, none(T('ip', 1, none(F('a', 0)))))]);
      expect(fn(ir2, 'ops', 'g').reads).to.deep.equal([acc('d', 0, shallow())]);
      expect(fn(ir2, 'ops', 'h').reads).to.deep.equal([acc('d', 0, none(F('ip', 1, null, true)))]);
    });

    it('follows a path through an array of structs', () => {
      expect(fn(ir, 'ops', 'arr').reads).to.deep.equal([acc('d', 0, none(T('arr', 4, none(F('b', 1)))))]);
    });

    it('sets all to shallow for .* and deep for .**, deep winning whatever the order', () => {
      const wild = fn(ir, 'ops', 'wild');
      expect(wild.reads).to.deep.equal([acc('d', 0, deep())]);
      expect(wild.writes).to.deep.equal([acc('d', 0, shallow(F('priv', 1, deep())))]);
      const widen = fn(ir, 'ops', 'widen');
      expect(widen.reads).to.deep.equal([acc('d', 0, none(F('priv', 1, deep())))]);
      expect(widen.writes).to.deep.equal([acc('d', 0, none(F('priv', 1, deep())))]);
    });

    it('gives an explicit empty reads() no accesses, and the default to the clause left out', () => {
      const nothing = fn(ir, 'ops', 'nothing');
      expect(nothing.explicitReads).to.equal(true);
      expect(nothing.reads).to.deep.equal([]);
      expect(nothing.explicitWrites).to.equal(false);
      expect(nothing.writes).to.deep.equal([acc('d', 0, deep())]);
      const silent = fn(ir, 'ops', 'silent');
      expect([silent.explicitReads, silent.explicitWrites, silent.reads, silent.writes]).to.deep.equal([true, true, [], []]);
    });

    it('gives a critical function empty sets', () => {
      const fast = fn(ir, 'ops', 'fast');
      expect(fast.role).to.equal('critical');
      expect([fast.explicitReads, fast.explicitWrites, fast.reads, fast.writes]).to.deep.equal([false, false, [], []]);
    });

    it('defaults to every tracked pointer parameter, deep; for writes, not those pointing to const', () => {
      const dflt = fn(ir, 'ops', 'dflt');
      expect(dflt.role).to.equal('downcall');
      expect([dflt.explicitReads, dflt.explicitWrites]).to.deep.equal([false, false]);
      // Parameters: d 0 (tracked), n 1 (value), c 2 (tracked, const), h 3 (opaque), s 4 (string),
      // v 5 (counted), tbl 6 (ops), cookie 7 (tracked through [as]), byval 8 (value), counter 9 (value).
      expect(dflt.params.map((p) => p.marshal.mode)).to.deep.equal([
        'tracked', 'value', 'tracked', 'opaque', 'string', 'counted', 'ops', 'tracked', 'value', 'value',
      ]);
      expect(dflt.reads).to.deep.equal([acc('d', 0, deep()), acc('c', 2, deep()), acc('cookie', 7, deep())]);
      expect(dflt.writes).to.deep.equal([acc('d', 0, deep()), acc('cookie', 7, deep())]);
    });
  });

  // ---- marshal info ---------------------------------------------------------------------------

  describe('marshal info', () => {
    const ir = irOf(`
const ETH = 6;
struct pci_dev;
struct inner { u32 a; u32 b; }
struct outer { u64 tag; inner inr; inner inr2; }
struct deep { u32 x; outer o; }
enum k_t : u8 { KA = 1, KB }
union arg_u switch (k_t) { case KA: u32 a; case KB: u64 b; }
callback void cb_t(u32 x);
interface tbl { downcall void ping(); }
struct m {
    u32 n;
    [count(n), max(64)] u8 *buf;
    [string] char name[16];
    [string, max(32)] char *label;
    [opaque] pci_dev *pdev;
    [interior] u8 *cur;
    [container(outer, inr)] inner *ip;
    inner *tr;
    [ref] inner *r;
    const tbl *ops;
    u32 *vp;
    cb_t cb;
    [skip] u32 s;
    [combolock] u32 lock;
    [recursive] m *next;
    [as(inner)] ulong cookie;
    [as(outer)] void *vcookie;
    [count(ETH)] u8 *mac;
    [count(sizeof(inner) * 2)] u8 *raw;
    [count(-(-n))] u8 *neg;
    k_t kind;
    [switch(kind)] arg_u arg;
    [count(KB + n)] u8 *ek;
}
struct work_ptr { [container(deep, o.inr)] inner *dp; [container(deep, o.inr | o.inr2)] inner *any; }
interface io {
    downcall s32 set(u8 k, [switch(k)] arg_u *a, [out] inner *o, [inout] inner *io2, u32 len,
                     [out, count(len)] u8 *obuf, [ref] inner *r, inner *maybe, [ref] cb_t cb);
    downcall [string] char *name([out, string, max(16)] char *buf);
    downcall [ref] inner *get();
}
`);
    const m = decl(ir, 'struct', 'm');
    const slotN = { kind: 'slot', name: 'n', index: 0 } as const;

    it('gives each pointer kind its mode, with every attribute it carries', () => {
      const want: Record<string, IrMarshal> = {
        n: M(),
        buf: M({ mode: 'counted', count: slotN, max: 64 }),
        name: M({ string: true }),
        label: M({ mode: 'string', string: true, max: 32 }),
        pdev: M({ mode: 'opaque' }),
        cur: M({ mode: 'interior' }),
        ip: M({ mode: 'container', container: { type: 'outer', field: 'inr', alternatives: null } }),
        tr: M({ mode: 'tracked' }),
        r: M({ mode: 'tracked', nonNull: true }),
        ops: M({ mode: 'ops' }),
        vp: M({ mode: 'value' }),
        cb: M({ mode: 'callback' }),
        s: M({ mode: 'skip' }),
        lock: M({ mode: 'combolock' }),
        next: M({ mode: 'tracked', recursive: true }),
        cookie: M({ mode: 'tracked', asType: 'inner' }),
        vcookie: M({ mode: 'tracked', asType: 'outer' }),
        mac: M({ mode: 'counted', count: { kind: 'constant', name: 'ETH', value: '6' } }),
        raw: M({
          mode: 'counted',
          count: {
            kind: 'binary',
            op: '*',
            left: { kind: 'sizeof', type: { kind: 'struct', name: 'inner' }, value: '8' },
            right: { kind: 'literal', value: '2' },
          },
        }),
        neg: M({ mode: 'counted', count: { kind: 'unary', op: '-', operand: { kind: 'unary', op: '-', operand: slotN } } }),
        kind: M(),
        arg: M({ switchOn: { name: 'kind', index: 20 } }),
        ek: M({ mode: 'counted', count: { kind: 'binary', op: '+', left: { kind: 'constant', name: 'KB', value: '2' }, right: slotN } }),
      };
      expect(m.fields.map((f) => f.name)).to.deep.equal(Object.keys(want));
      for (const f of m.fields) expect(f.marshal, f.name).to.deep.equal(want[f.name]);
    });

    it('gives a container\'s member path as its dotted field', () => {
      expect(field(decl(ir, 'struct', 'work_ptr'), 'dp').marshal).to.deep.equal(M({ mode: 'container', container: { type: 'deep', field: 'o.inr', alternatives: null } }));
    });

    it('gives a container\'s choice of members in the order written, the first as its field', () => {
      expect(field(decl(ir, 'struct', 'work_ptr'), 'any').marshal).to.deep.equal(
        M({ mode: 'container', container: { type: 'deep', field: 'o.inr', alternatives: ['o.inr', 'o.inr2'] } }),
      );
    });

    it('keeps the C type beside the mode', () => {
      expect(field(m, 'name').type).to.deep.equal({ kind: 'array', of: { kind: 'char' }, length: 16 });
      expect(field(m, 'vp').type).to.deep.equal({ kind: 'pointer', to: U32, isConst: false });
      expect(field(m, 'ops').type).to.deep.equal({ kind: 'pointer', to: { kind: 'interface', name: 'tbl' }, isConst: true });
      expect(field(m, 'cb').type).to.deep.equal({ kind: 'callback', name: 'cb_t' });
      expect(field(m, 'cookie').type).to.deep.equal(ULONG);
      expect(field(m, 'vcookie').type).to.deep.equal({ kind: 'pointer', to: { kind: 'void' }, isConst: false });
      expect(field(m, 'kind').type).to.deep.equal({ kind: 'enum', name: 'k_t' });
      expect(field(m, 'arg').type).to.deep.equal({ kind: 'union', name: 'arg_u' });
    });

    it('lays the struct out by the C rules for lp64', () => {
      // Pointers, callbacks and ulong are 8 bytes; name[16] ends at 32; s and lock share 104..111;
      // kind (u8) sits at 160 and the 8-aligned union arg follows at 168.
      const want: [string, number, number][] = [
        ['n', 0, 4], ['buf', 8, 8], ['name', 16, 16], ['label', 32, 8], ['pdev', 40, 8], ['cur', 48, 8],
        ['ip', 56, 8], ['tr', 64, 8], ['r', 72, 8], ['ops', 80, 8], ['vp', 88, 8], ['cb', 96, 8], ['s', 104, 4],
        ['lock', 108, 4], ['next', 112, 8], ['cookie', 120, 8], ['vcookie', 128, 8], ['mac', 136, 8], ['raw', 144, 8],
        ['neg', 152, 8], ['kind', 160, 1], ['arg', 168, 8], ['ek', 176, 8],
      ];
      expect(m.fields.map((f) => [f.name, f.offset, f.size])).to.deep.equal(want);
      expect([m.size, m.align, m.complete]).to.deep.equal([184, 8, true]);
    });

    it('marks [ref] and [out]/[inout] parameters non-null and names a switch parameter by index', () => {
      const set = fn(ir, 'io', 'set');
      expect(set.params.map((p) => [p.name, p.direction, p.marshal])).to.deep.equal([
        ['k', 'in', M()],
        ['a', 'in', M({ mode: 'tracked', switchOn: { name: 'k', index: 0 } })],
        ['o', 'out', M({ mode: 'tracked', nonNull: true })],
        ['io2', 'inout', M({ mode: 'tracked', nonNull: true })],
        ['len', 'in', M()],
        ['obuf', 'out', M({ mode: 'counted', nonNull: true, count: { kind: 'slot', name: 'len', index: 4 } })],
        ['r', 'in', M({ mode: 'tracked', nonNull: true })],
        ['maybe', 'in', M({ mode: 'tracked' })],
        ['cb', 'in', M({ mode: 'callback', nonNull: true })],
      ]);
      expect(set.returns).to.deep.equal({ type: S32, marshal: M() });
    });

    it('describes return values like parameters', () => {
      const name = fn(ir, 'io', 'name');
      expect(name.returns).to.deep.equal({
        type: { kind: 'pointer', to: { kind: 'char' }, isConst: false },
        marshal: M({ mode: 'string', string: true }),
      });
      expect(name.params[0]!.marshal).to.deep.equal(M({ mode: 'string', string: true, max: 16, nonNull: true }));
      expect(fn(ir, 'io', 'get').returns).to.deep.equal({
        type: { kind: 'pointer', to: { kind: 'struct', name: 'inner' }, isConst: false },
        marshal: M({ mode: 'tracked', nonNull: true }),
      });
      const cb = decl(ir, 'callback', 'cb_t');
      expect(cb.returns).to.deep.equal({ type: { kind: 'void' }, marshal: M() });
      expect(cb.params.map((p) => [p.name, p.type, p.direction, p.marshal])).to.deep.equal([['x', U32, 'in', M()]]);
    });
  });

  // ---- layout, declarations -------------------------------------------------------------------

  describe('declarations', () => {
    it('lays out bitfields in their storage units (System V)', () => {
      const ir = irOf('struct lay { u8 a; u64 b; u16 c; u32 x : 3; u32 y : 30; bool z; }');
      const lay = decl(ir, 'struct', 'lay');
      // c ends at bit 144; x fits the u32 unit at byte 16 (bits 128..159) at bit 16; y would
      // straddle it, so starts the next unit at byte 20; z takes byte 24 (bit 190 rounded up).
      expect(lay.fields.map((f) => [f.name, f.offset, f.size, f.bitOffset, f.bitWidth])).to.deep.equal([
        ['a', 0, 1, null, null],
        ['b', 8, 8, null, null],
        ['c', 16, 2, null, null],
        ['x', 16, 4, 16, 3],
        ['y', 20, 4, 0, 30],
        ['z', 24, 1, null, null],
      ]);
      expect([lay.size, lay.align]).to.deep.equal([32, 8]);
      // `struct lay` is on line 2 (line 1 is the module line), its name at column 8.
      expect(lay.source).to.deep.equal({ file: 't.mdl', line: 2, column: 8 });
      expect(lay.fields[3]!.source).to.deep.equal({ file: 't.mdl', line: 2, column: 38 });
    });

    it('keeps a forward declaration as an incomplete struct', () => {
      const ir = irOf('struct fwd;');
      expect(decl(ir, 'struct', 'fwd')).to.deep.include({ complete: false, size: 0, align: 1, fields: [] });
    });

    it('keeps typedef names as aliases, dims outermost first', () => {
      const ir = irOf('typedef u8 grid_t[2][3];\ntypedef grid_t g2;\nstruct s { u8 k; g2 g; }');
      const grid = { kind: 'array', of: { kind: 'array', of: U8, length: 3 }, length: 2 } as const;
      expect((decl(ir, 'typedef', 'grid_t') as IrTypedef).target).to.deep.equal(grid);
      expect(decl(ir, 'typedef', 'g2').target).to.deep.equal({ kind: 'alias', name: 'grid_t', target: grid });
      const g = field(decl(ir, 'struct', 's'), 'g');
      expect(g.type).to.deep.equal({ kind: 'alias', name: 'g2', target: { kind: 'alias', name: 'grid_t', target: grid } });
      expect([g.offset, g.size]).to.deep.equal([1, 6]);
    });

    it('numbers enum members: as written, else one more than the previous', () => {
      const ir = irOf(`enum e { A, B, C = 10, D, E = -1, F }
enum small : u8 { S0 = 0x10, S1, S2 = S1 + A + 5 }
enum huge : u64 { TOP = 0xFFFFFFFFFFFFFFFF }`);
      const e: IrEnum = decl(ir, 'enum', 'e');
      expect(e.members).to.deep.equal([
        { name: 'A', value: '0' },
        { name: 'B', value: '1' },
        { name: 'C', value: '10' },
        { name: 'D', value: '11' },
        { name: 'E', value: '-1' },
        { name: 'F', value: '0' },
      ]);
      expect([e.base, e.size]).to.deep.equal([S32, 4]);
      const small = decl(ir, 'enum', 'small');
      expect(small.members.map((x) => x.value)).to.deep.equal(['16', '17', '22']);
      expect([small.base, small.size]).to.deep.equal([U8, 1]);
      const huge = decl(ir, 'enum', 'huge');
      expect(huge.members).to.deep.equal([{ name: 'TOP', value: '18446744073709551615' }]);
      expect([huge.base, huge.size]).to.deep.equal([U64, 8]);
    });

    it('gives union case values as decimal strings', () => {
      const ir = irOf(`enum small : u8 { S0 = 0x10, S1, S2 = S1 + 5 }
union u1 switch (u32) { case 0x10: u32 a; case 1, 2: u8 b; default: u64 c; }
union u2 switch (small) { case S1: u8 x; case S0, S2: u16 y; }
union u3 switch (s8) { case -1: u8 m; case -0x80: u8 n; }
union u4 switch (u64) { case 0xFFFFFFFFFFFFFFFF: u8 top; }
union plain_u { u32 w; u8 b[4]; }`);
      const arms = (u: IrUnion): [string[], boolean][] => u.arms.map((a) => [a.cases, a.isDefault]);
      const u1 = decl(ir, 'union', 'u1');
      expect(arms(u1)).to.deep.equal([[['16'], false], [['1', '2'], false], [[], true]]);
      expect([u1.discriminant, u1.size, u1.align]).to.deep.equal([U32, 8, 8]);
      expect(u1.arms.map((a) => [a.field.name, a.field.offset, a.field.size])).to.deep.equal([['a', 0, 4], ['b', 0, 1], ['c', 0, 8]]);
      const u2 = decl(ir, 'union', 'u2');
      expect(arms(u2)).to.deep.equal([[['17'], false], [['16', '22'], false]]);
      expect([u2.discriminant, u2.size, u2.align]).to.deep.equal([{ kind: 'enum', name: 'small' }, 2, 2]);
      const u3 = decl(ir, 'union', 'u3');
      expect(arms(u3)).to.deep.equal([[['-1'], false], [['-128'], false]]);
      expect(u3.discriminant).to.deep.equal(S8);
      expect(arms(decl(ir, 'union', 'u4'))).to.deep.equal([[['18446744073709551615'], false]]);
      const plain = decl(ir, 'union', 'plain_u');
      expect(arms(plain)).to.deep.equal([[[], false], [[], false]]);
      expect([plain.discriminant, plain.size, plain.align]).to.deep.equal([null, 4, 4]);
    });

    it('evaluates constants, sizeof included, for the ABI', () => {
      const ir = irOf(`struct pkt { u8 kind; u64 stamp; u16 len; }
typedef u8 mac_t[6];
enum e { A }
enum small : u8 { S0 }
const PKT = sizeof(pkt);
const u16 MTU = 1500 + sizeof(u32) * (2 << 1);
const PTR = sizeof(const u8 *) + sizeof(ulong);
const MACS = sizeof(mac_t) * 2;
const ENUM = sizeof(e);
const NEG = -sizeof(small);
const BIG = 0xFFFFFFFFFFFFFFFF;`);
      // pkt: kind at 0, stamp at 8, len at 16..17, padded to 24 by its 8-byte alignment.
      expect(ir.constants.map((c) => [c.name, c.type, c.value])).to.deep.equal([
        ['PKT', null, '24'],
        ['MTU', U16, '1516'],
        ['PTR', null, '16'],
        ['MACS', null, '12'],
        ['ENUM', null, '4'],
        ['NEG', null, '-1'],
        ['BIG', null, '18446744073709551615'],
      ]);
      expect(ir.constants.every((c) => c.module === 't')).to.equal(true);
      // `const u16 MTU` is line 7; MTU starts at column 11.
      expect(ir.constants[1]!.source).to.deep.equal({ file: 't.mdl', line: 7, column: 11 });
    });

    it('gives callbacks a type id and their parameters', () => {
      const ir = irOf('callback s32 irq_t(s32 irq, [opaque] void *dev);');
      const cb: IrCallback = decl(ir, 'callback', 'irq_t');
      expect(cb.id).to.equal(fnv('type:irq_t'));
      expect(cb.returns).to.deep.equal({ type: S32, marshal: M() });
      expect(cb.params.map((p) => [p.name, p.type, p.marshal.mode])).to.deep.equal([
        ['irq', S32, 'value'],
        ['dev', { kind: 'pointer', to: { kind: 'void' }, isConst: false }, 'opaque'],
      ]);
    });
  });

  // ---- ids --------------------------------------------------------------------------------------

  describe('wire ids', () => {
    it('hashes names with FNV-1a folded to 31 bits', () => {
      // Computed independently of this repository (Python, the same FNV-1a definition).
      expect(fnv('type:a')).to.equal(1046645724);
      expect(fnv('interface:i')).to.equal(1708009589);
      expect(fnv('function:f')).to.equal(1047703485);
      const ir = irOf('struct a { u32 x; }\ninterface i { downcall void f(); }');
      expect(decl(ir, 'struct', 'a').id).to.equal(1046645724);
      expect(ir.interfaces[0]!.id).to.equal(1708009589);
      expect(fn(ir, 'i', 'f').id).to.equal(1047703485);
    });

    it('keeps a hashed id when declarations are added before it or reordered', () => {
      const ids = (ir: IrProgram) => ({
        a: decl(ir, 'struct', 'a').id,
        e: decl(ir, 'enum', 'e').id,
        i: ir.interfaces.find((x) => x.name === 'i')!.id,
        f: fn(ir, 'i', 'f').id,
        g: fn(ir, 'i', 'g').id,
      });
      const one = ids(irOf('struct a { u32 x; }\nenum e { E0 }\ninterface i { downcall void f(); downcall void g(); }'));
      const two = ids(
        irOf(`union z switch (u8) { case 1: u8 q; }
interface j { downcall void g(); downcall void f(); }
interface i { downcall void h(); downcall void g(); downcall void f(); }
enum e { E0, E1 }
struct b { u8 y; }
struct a { u32 x; }`),
      );
      expect(two).to.deep.equal(one);
      expect(one).to.deep.equal({
        a: fnv('type:a'),
        e: fnv('type:e'),
        i: fnv('interface:i'),
        f: fnv('function:f'),
        g: fnv('function:g'),
      });
    });

    it('uses the same function id in two interfaces: ids are per interface', () => {
      const ir = irOf('interface i { downcall void f(); }\ninterface j { upcall void f(); }');
      expect(fn(ir, 'i', 'f').id).to.equal(fn(ir, 'j', 'f').id);
    });

    it('pins an id with [id(n)], so a rename keeps the wire', () => {
      const before = irOf('[id(7)] struct old_name { u32 x; }\n[id(0x7fffffff)] interface i { [id(3)] downcall void f(); }');
      const after = irOf('[id(7)] struct new_name { u32 x; }\n[id(0x7fffffff)] interface i { [id(3)] downcall void renamed(); }');
      expect(decl(before, 'struct', 'old_name').id).to.equal(7);
      expect(decl(after, 'struct', 'new_name').id).to.equal(7);
      expect([before.interfaces[0]!.id, after.interfaces[0]!.id]).to.deep.equal([2147483647, 2147483647]);
      expect([fn(before, 'i', 'f').id, fn(after, 'i', 'renamed').id]).to.deep.equal([3, 3]);
    });
  });

  // ---- determinism ------------------------------------------------------------------------------

  describe('determinism', () => {
    const ROOT = path.resolve('/virtual-mdidl-ir-test');
    const FILES: Record<string, string> = {
      'base.mdl': 'module base version 1;\nconst BASE_N = 4;\nstruct shared { u32 n; [count(n)] u8 *data; }\n',
      'net.mdl':
        'module net version 2;\nimport "base.mdl";\nstruct netdev { shared *s; }\n' +
        'interface net_ops { upcall void up(netdev *d) reads(d.s.data); }\n',
      'blk.mdl':
        'module blk version 3;\nimport "inc/wrap.mdl";\nstruct blkdev { shared_t *s; u32 sectors; }\n' +
        'interface blk_ops { downcall void rq(blkdev *b); }\n',
      'inc/wrap.mdl': 'module wrap version 1;\nimport "../base.mdl";\ntypedef shared shared_t;\n',
    };
    const run = (...inputs: string[]) => {
      const r = frontEnd(
        inputs.map((f) => path.join(ROOT, f)),
        {
          readFile: (abs) => FILES[path.relative(ROOT, abs)] ?? null,
          displayName: (abs) => path.relative(ROOT, abs),
        },
      );
      expect(r.diagnostics.map(brief)).to.deep.equal([]);
      return { ir: r.ir!, order: r.program.documents.map((d) => d.file) };
    };

    it('gives byte-identical IR whatever order the files are given in', () => {
      const a = run('net.mdl', 'blk.mdl');
      const b = run('blk.mdl', 'net.mdl');
      // base.mdl is reached through net.mdl in one run and through inc/wrap.mdl in the other.
      expect(a.order).to.deep.equal(['net.mdl', 'blk.mdl', 'base.mdl', 'inc/wrap.mdl']);
      expect(b.order).to.deep.equal(['blk.mdl', 'net.mdl', 'inc/wrap.mdl', 'base.mdl']);
      expect(JSON.stringify(b.ir)).to.equal(JSON.stringify(a.ir));
      expect(a.ir.modules).to.deep.equal([
        { name: 'base', version: 1, file: 'base.mdl', input: false },
        { name: 'blk', version: 3, file: 'blk.mdl', input: true },
        { name: 'net', version: 2, file: 'net.mdl', input: true },
        { name: 'wrap', version: 1, file: 'inc/wrap.mdl', input: false },
      ]);
      expect(a.ir.types.map((t) => `${t.module}.${t.name}`)).to.deep.equal([
        'base.shared',
        'blk.blkdev',
        'net.netdev',
        'wrap.shared_t',
      ]);
    });

    it('gives an imported module the same IR whichever entry loads it', () => {
      const viaNet = run('net.mdl').ir;
      const viaBlk = run('blk.mdl').ir;
      const part = (ir: IrProgram) =>
        JSON.stringify({
          module: ir.modules.find((x) => x.name === 'base'),
          constants: ir.constants.filter((c) => c.module === 'base'),
          types: ir.types.filter((t) => t.module === 'base'),
        });
      expect(part(viaBlk)).to.equal(part(viaNet));
      const shared = decl(viaNet, 'struct', 'shared');
      expect(shared.id).to.equal(1012959204); // FNV-1a of "type:shared", computed outside the repository
      expect(shared.source).to.deep.equal({ file: 'base.mdl', line: 3, column: 8 });
      expect(viaBlk.modules.map((x) => [x.name, x.input])).to.deep.equal([
        ['base', false],
        ['blk', true],
        ['wrap', false],
      ]);
    });

    it('gives the same IR when a file is given twice or also imported', () => {
      const once = run('net.mdl', 'blk.mdl').ir;
      const twice = run('net.mdl', 'blk.mdl', 'net.mdl').ir;
      expect(JSON.stringify(twice)).to.equal(JSON.stringify(once));
    });

    it('resolves an access path into a struct of another module', () => {
      const { ir } = run('net.mdl');
      expect(fn(ir, 'net_ops', 'up').reads).to.deep.equal([
        acc('d', 0, none(T('s', 0, none(F('n', 0, null, true), F('data', 1))))),
      ]);
    });
  });

  // Regressions: places where the builder once disagreed with the checker it relies on. Each test
  // states what the checker decided; the builder must say the same.
  describe('agrees with the checker', () => {
    // The checker resolves names in a union arm's count against constants only ("a count inside a
    // union arm may use constants only"), but marshal() looks them up in slot.scope(), which for
    // an arm is the union's other arms: a constant named like a sibling arm becomes that arm.
    it('resolves a constant in a union arm count as the constant', () => {
      const ir = irOf(`const n = 4;
union u switch (u8) { case 1: u32 n; case 2: [count(n)] u8 *p; }
struct h { u8 k; [switch(k)] u *x; }
interface i { downcall void f(h *q) reads(q.x.p); }`);
      expect(decl(ir, 'union', 'u').arms[1]!.field.marshal.count).to.deep.equal({ kind: 'constant', name: 'n', value: '4' });
      // ...and so does not drag the sibling arm n into the access set beside arm p.
      expect(fn(ir, 'i', 'f').reads).to.deep.equal([acc('q', 0, none(F('k', 0, null, true), T('x', 1, none(F('p', 1)))))]);
    });

    // defaultAccess() tests `p.type.kind === 'pointer' && p.type.isConst` without seeing through
    // typedefs, while the checker's write-through-const rule strips them.
    it('leaves a pointer to const out of the default writes when spelled with a typedef', () => {
      const ir = irOf(`struct s { u32 a; }
typedef const s *cs_t;
interface i { downcall void f(cs_t p); downcall void g(const s *p); }`);
      expect(fn(ir, 'i', 'g').writes).to.deep.equal([]);
      expect(fn(ir, 'i', 'f').writes).to.deep.equal([]);
    });

    // aggregateOf() turns asType into { kind: 'struct', name } and looks the name up; for a
    // typedef of a struct the symbol is the typedef, so it finds no fields and closeOver() adds
    // nothing. The checker accepts [as(T)] for a typedef of a struct (it strips T).
    it('drags in the count behind an [as(T)] pointer when T is a typedef', () => {
      const ir = irOf(`struct h { u32 len; [count(len)] u8 *d; }
typedef h h_t;
interface i { downcall void f([as(h_t)] void *p) reads(p.d); downcall void g([as(h)] void *p) reads(p.d); }`);
      const want = [acc('p', 0, none(F('len', 0, null, true), F('d', 1)))];
      expect(fn(ir, 'i', 'g').reads).to.deep.equal(want);
      expect(fn(ir, 'i', 'f').reads).to.deep.equal(want);
    });
  });

  it('what the u-driver sends the kernel leaves out the pointer-to-const fields of the kernel\'s own structs; the kernel sends them', () => {
    const ir = irOf(`
[header("linux/kobject.h")] struct kobject {
    [string] const char *name;
    u32 state;
}
[header("linux/device.h")] struct device {
    kobject kobj;
    u32 id;
}
struct mine {
    [string] const char *label;
    u32 n;
}
interface i {
    downcall void d(device *dev, mine *m) reads(dev.kobj.name, dev.kobj.state, dev.id, m.label, m.n) writes(dev.id);
    upcall void u(device *dev) reads(dev.kobj.name, dev.id) writes(dev.kobj.name, dev.id);
}`);
    const names = (list: IrFunction['reads']): string[] => {
      const out: string[] = [];
      const walk = (prefix: string, sel: IrFunction['reads'][number]['select']): void => {
        for (const f of sel.fields) {
          out.push(`${prefix}.${f.name}`);
          if (f.select) walk(`${prefix}.${f.name}`, f.select);
        }
      };
      for (const a of list) walk(a.param, a.select);
      return out;
    };
    // A downcall's reads cross to the kernel: the kernel's const kobject name is left out, the
    // driver's own struct keeps its const field.
    expect(names(fn(ir, 'i', 'd').reads)).to.deep.equal(['dev.kobj', 'dev.kobj.state', 'dev.id', 'm.label', 'm.n']);
    // An upcall's reads come from the kernel (kept); its writes go to the kernel (left out).
    expect(names(fn(ir, 'i', 'u').reads)).to.deep.equal(['dev.kobj', 'dev.kobj.name', 'dev.id']);
    expect(names(fn(ir, 'i', 'u').writes)).to.deep.equal(['dev.kobj', 'dev.id']);
  });

  it('builds no IR for a program with errors', () => {
    const r = checkSources({ 't.mdl': 'module t version 1;\nstruct s { nope x; }' });
    expect(r.ir).to.equal(null);
  });
});
