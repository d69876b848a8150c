import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { buildIr } from '../../compiler/ir/build.js';
import { IR_SCHEMA_URL, validateIr } from '../../compiler/ir/ir-schema.js';
import type { IrProgram } from '../../compiler/ir/types.js';
import { frontEnd } from '../../compiler/pipeline.js';
import { checkProgram } from '../../idl/checker/index.js';
import { brief, checkSources, loadSources } from '../helpers.js';

// Each program is valid IDL; together they produce every IrType and IrExpr kind, every type
// declaration kind, every marshal mode, role, direction and selection width, and each nullable
// property both null and set.
const PROGRAMS: { name: string; entry: string; files: Record<string, string> }[] = [
  {
    name: 'every construct, over two modules',
    entry: 'drv.mdl',
    files: {
      'kernel.mdl': `module kernel version 3;
struct sk_buff;
struct pci_dev;
typedef u64 dma_addr_t;
typedef u8 mac_t[6];
typedef mac_t mac2_t;
typedef u8 grid_t[2][3];
callback s32 irq_handler_t(s32 irq, [opaque] void *dev);
callback [string] char *namer_t([out, string, max(16)] char *buf, bool upper);
interface kernel {
    downcall s32 request_irq(u32 irq, irq_handler_t handler, ulong flags, [string] const char *name, [opaque] void *dev);
    downcall void free_irq(u32 irq, [opaque] void *dev);
}
`,
      'drv.mdl': `module rtl8139 version 1;
import "kernel.mdl";
const ETH_ALEN = 6;
const u16 MTU = 1500 + sizeof(u32) * (2 << 1);
const BIG = 0xFFFFFFFFFFFFFFFF;
const s8 NEG = -1;
const SZ = sizeof(mac2_t) + sizeof(const u8 *);
enum cmd_kind : u8 { CMD_A = 1, CMD_B, CMD_C = 0x10 }
enum plain { P0, P1 = -5, P2 }
union cmd_arg switch (cmd_kind) {
    case CMD_A: u32 a;
    case CMD_B, CMD_C: u8 b[4];
}
union wide switch (u64) { case 0xFFFFFFFFFFFFFFFF: u64 all; default: u8 other; }
union raw { u32 w; u8 b[4]; }
struct napi_struct { u32 weight; }
struct stats { u64 rx_packets; u64 tx_packets; }
struct rtl8139_private {
    u32 rx_count;
    [count(rx_count * 2), max(4096)] u8 *rx_buf;
    [skip] raw scratch;
    [combolock] u32 lock;
    napi_struct napi;
    [recursive] rtl8139_private *next;
    net_device *dev;
    dma_addr_t ring_dma;
    [interior] u8 *cur;
    [count(ETH_ALEN)] u8 *mac;
    [count(-(-rx_count) + sizeof(stats) / CMD_C)] u8 *mixed;
    grid_t grid;
    u64 sel;
    [switch(sel)] wide w;
    plain p;
}
struct net_device {
    [string] char name[16];
    mac_t dev_addr;
    u32 flags;
    u32 up : 1;
    u32 down : 3;
    bool promisc;
    rtl8139_private *priv;
    [opaque] pci_dev *pdev;
    cmd_kind kind;
    [switch(kind)] cmd_arg arg;
    const net_device_ops *ops;
    stats st;
    [as(rtl8139_private)] ulong cookie;
    [container(rtl8139_private, napi)] napi_struct *napi;
    irq_handler_t handler;
    [ref] rtl8139_private *owner;
    char c;
    u32 *counter;
}
interface net_device_ops {
    upcall s32 ndo_open(net_device *dev) reads(dev.flags, dev.priv.*, dev.owner) writes(dev.flags, dev.priv.rx_buf);
    critical s32 ndo_start_xmit([opaque] sk_buff *skb, net_device *dev);
    [id(42)] upcall s32 get_name(net_device *dev, [out, string, max(16)] char *buf) reads(dev.owner) writes();
    upcall s32 get_regs(net_device *dev, u32 len, [out, count(len)] u8 *regs) reads(dev.**);
    downcall void set_cmd(u8 k, [switch(k), ref] cmd_arg *arg);
    downcall s32 xfer(u32 n, [inout, count(+n * sizeof(u32) / 4)] u8 *buf, [as(stats)] void *st);
    downcall [ref] stats *stats_of(const net_device *dev) reads(dev.st.*, dev.priv.w, dev.owner);
}
`,
    },
  },
  {
    name: 'explicit and default access sets with wildcards',
    entry: 'acc.mdl',
    files: {
      'acc.mdl': `module acc version 7;
struct inner { u32 a; u32 b; }
struct box { u32 tag; inner i; }
struct pin { [container(box, i.b)] u32 *p; [container(box, tag | i.a | i.b)] u32 *q; }
union u switch (u8) { case 1: u32 x; case 2: inner y; }
struct node {
    u32 len;
    [count(len)] u8 *data;
    u8 k;
    [switch(k)] u *v;
    inner *in;
    node *next;
}
interface acc {
    upcall void shallow(node *n) reads(n.*) writes(n.next.*);
    upcall void deep(node *n, node *m) reads(m.**, n.next.next.**) writes(n.in.b, n.data);
    upcall void mixed(node *n) reads(n.next.*, n.next.**, n.v.y.a);
    downcall void dflt(node *n, const node *c, u32 x);
    downcall void empty(node *n) reads() writes();
    critical void crit(node *n);
}
`,
    },
  },
  {
    name: 'a module with no declarations',
    entry: 'empty.mdl',
    files: { 'empty.mdl': 'module empty version 0;\n' },
  },
];

function build(p: (typeof PROGRAMS)[number]): IrProgram {
  const r = checkSources(p.files, p.entry);
  expect(r.diagnostics.filter((d) => d.severity === 'error').map(brief), p.name).to.deep.equal([]);
  return r.ir!;
}

/** JSON as a backend reading the IR file would see it. */
function roundTrip(ir: IrProgram): Record<string, any> {
  return JSON.parse(JSON.stringify(ir)) as Record<string, any>;
}

const TYPE_KEYS = new Set(['type', 'target', 'to', 'of', 'base', 'discriminant']);
const EXPR_KEYS = new Set(['count', 'operand', 'left', 'right']);

/** The `kind` of every IrType and IrExpr in the IR, told apart by the property holding them. */
function kindsIn(value: unknown, into: { types: Set<string>; exprs: Set<string>; decls: Set<string> }, key = ''): void {
  if (Array.isArray(value)) {
    for (const v of value) kindsIn(v, into, key === 'types' ? 'decl' : key);
    return;
  }
  if (value === null || typeof value !== 'object') return;
  const kind = (value as { kind?: unknown }).kind;
  if (typeof kind === 'string') {
    if (key === 'decl') into.decls.add(kind);
    else if (TYPE_KEYS.has(key)) into.types.add(kind);
    else if (EXPR_KEYS.has(key)) into.exprs.add(kind);
    else throw new Error(`a kind under '${key}'`);
  }
  for (const [k, v] of Object.entries(value)) kindsIn(v, into, k);
}

type Def = { type?: string; required?: string[]; properties?: Record<string, any>; additionalProperties?: boolean; oneOf?: { $ref: string }[] };
const schema = JSON.parse(readFileSync(IR_SCHEMA_URL, 'utf8')) as { $id: string; definitions: Record<string, Def> };

/** The kinds a discriminated oneOf accepts, read from its branches' `kind` const or enum. */
function kindsOf(union: string): string[] {
  return schema.definitions[union]!.oneOf!.flatMap((b) => {
    const k = schema.definitions[b.$ref.replace('#/definitions/', '')]!.properties!['kind'];
    return k.const !== undefined ? [k.const as string] : (k.enum as string[]);
  });
}

function valuesAt(value: unknown, key: string, into: Set<unknown>): Set<unknown> {
  if (Array.isArray(value)) for (const v of value) valuesAt(v, key, into);
  else if (value !== null && typeof value === 'object')
    for (const [k, v] of Object.entries(value)) {
      if (k === key && (typeof v === 'string' || typeof v === 'boolean')) into.add(v);
      valuesAt(v, key, into);
    }
  return into;
}

describe('IR JSON schema', () => {
  for (const p of PROGRAMS) {
    it(`accepts the IR of ${p.name}`, () => {
      expect(validateIr(roundTrip(build(p)))).to.deep.equal([]);
    });
  }

  it('accepts the IR built for ilp32 too', () => {
    const loaded = loadSources(PROGRAMS[0]!.files, PROGRAMS[0]!.entry);
    const checked = checkProgram(loaded.program, 'ilp32');
    expect(checked.diagnostics.filter((d) => d.severity === 'error').map(brief)).to.deep.equal([]);
    const ir = roundTrip(buildIr(checked.ctx));
    expect(ir['abi']).to.equal('ilp32');
    expect(validateIr(ir)).to.deep.equal([]);
  });

  it('accepts the IR of the sample RTL8139 interface', () => {
    const entry = fileURLToPath(new URL('../../../samples/rtl8139/rtl8139.mdl', import.meta.url));
    const r = frontEnd([entry]);
    expect(r.diagnostics.filter((d) => d.severity === 'error').map(brief)).to.deep.equal([]);
    expect(validateIr(roundTrip(r.ir!))).to.deep.equal([]);
  });

  it('is exercised on every IrType, IrExpr and IrTypeDecl kind it defines', () => {
    const seen = { types: new Set<string>(), exprs: new Set<string>(), decls: new Set<string>() };
    for (const p of PROGRAMS) kindsIn(roundTrip(build(p)), seen);
    const typeKinds = ['int', 'bool', 'char', 'void', 'struct', 'union', 'enum', 'callback', 'interface', 'alias', 'pointer', 'array'];
    const exprKinds = ['literal', 'constant', 'slot', 'sizeof', 'unary', 'binary'];
    const declKinds = ['struct', 'union', 'enum', 'typedef', 'callback'];
    // The schema defines exactly the kinds of compiler/ir/types.ts...
    expect([...kindsOf('IrType')].sort()).to.deep.equal([...typeKinds].sort());
    expect([...kindsOf('IrExpr')].sort()).to.deep.equal([...exprKinds].sort());
    expect([...kindsOf('IrTypeDecl')].sort()).to.deep.equal([...declKinds].sort());
    // ...and the programs above produce every one of them, so each branch was validated.
    expect([...seen.types].sort()).to.deep.equal([...typeKinds].sort());
    expect([...seen.exprs].sort()).to.deep.equal([...exprKinds].sort());
    expect([...seen.decls].sort()).to.deep.equal([...declKinds].sort());
  });

  it('is exercised on every value of every enumeration', () => {
    const irs = PROGRAMS.map((p) => roundTrip(build(p)));
    const defs = schema.definitions;
    const enumOf = (def: string, prop: string): unknown[] => defs[def]!.properties![prop].enum as unknown[];
    const seen = (key: string): unknown[] => [...valuesAt(irs, key, new Set())].sort();
    expect(seen('mode')).to.deep.equal([...enumOf('IrMarshal', 'mode')].sort());
    expect(seen('role')).to.deep.equal([...enumOf('IrFunction', 'role')].sort());
    expect(seen('direction')).to.deep.equal([...enumOf('IrParam', 'direction')].sort());
    expect(seen('all')).to.deep.equal([...enumOf('IrSelection', 'all')].sort());
    expect(seen('implicit')).to.deep.equal([false, true]);
    expect(seen('explicitReads')).to.deep.equal([false, true]);
    expect(seen('nonNull')).to.deep.equal([false, true]);
    expect(seen('recursive')).to.deep.equal([false, true]);
    expect(seen('isDefault')).to.deep.equal([false, true]);
    expect(seen('complete')).to.deep.equal([false, true]);
    expect(seen('input')).to.deep.equal([false, true]);
  });

  it('pins every object: all properties required, no others allowed', () => {
    expect(schema.$id).to.equal('https://mdidl.dev/schemas/ir.schema.json');
    let objects = 0;
    for (const [name, def] of Object.entries(schema.definitions)) {
      if (def.oneOf) continue;
      expect(def.type, name).to.equal('object');
      expect(def.additionalProperties, name).to.equal(false);
      expect(def.required, name).to.deep.equal(Object.keys(def.properties!));
      objects++;
    }
    expect(objects).to.be.greaterThan(30);
  });

  it('uses every definition it declares', () => {
    const text = readFileSync(IR_SCHEMA_URL, 'utf8');
    for (const name of Object.keys(schema.definitions)) expect(text, name).to.include(`"#/definitions/${name}"`);
  });

  describe('rejects', () => {
    const base = (): Record<string, any> => roundTrip(build(PROGRAMS[0]!));
    const typeIndex = (ir: Record<string, any>, name: string): number => {
      const i = (ir['types'] as { name: string }[]).findIndex((t) => t.name === name);
      expect(i, name).to.be.at.least(0);
      return i;
    };

    it('a missing required property, naming the object', () => {
      const ir = base();
      const i = typeIndex(ir, 'net_device');
      delete ir['types'][i].size;
      expect(validateIr(ir)).to.deep.equal([`/types/${i}: missing required property "size"`]);
    });

    it('a missing property deep in a marshal', () => {
      const ir = base();
      const i = typeIndex(ir, 'rtl8139_private');
      delete ir['types'][i].fields[1].marshal.count.left.index;
      expect(validateIr(ir)).to.deep.equal([`/types/${i}/fields/1/marshal/count/left: missing required property "index"`]);
    });

    it('a missing nullable property: null is not the same as absent', () => {
      const ir = base();
      delete ir['constants'][0].type;
      expect(ir['constants'][0].name).to.equal('ETH_ALEN');
      expect(validateIr(ir)).to.deep.equal(['/constants/0: missing required property "type"']);
    });

    it('a container field that is not names joined by dots', () => {
      const ir = base();
      const i = typeIndex(ir, 'net_device');
      const f = (ir['types'][i].fields as { name: string }[]).findIndex((x) => x.name === 'napi');
      expect(ir['types'][i].fields[f].marshal.container).to.deep.equal({ type: 'rtl8139_private', field: 'napi', alternatives: null });
      ir['types'][i].fields[f].marshal.container.field = 'napi..weight';
      expect(validateIr(ir)).to.have.length(1);
      expect(validateIr(ir)[0]).to.match(new RegExp(`^/types/${i}/fields/${f}/marshal/container/field: `));
      ir['types'][i].fields[f].marshal.container.field = 'napi.weight';
      expect(validateIr(ir)).to.deep.equal([]);
    });

    it('an extra property on a field', () => {
      const ir = base();
      const i = typeIndex(ir, 'net_device');
      ir['types'][i].fields[0].extra = true;
      expect(validateIr(ir)).to.deep.equal([
        `/types/${i}/fields/0: unexpected property "extra"; allowed: name, type, marshal, offset, size, bitOffset, bitWidth, source`,
      ]);
    });

    it('an extra property on the program and on a selection', () => {
      const ir = base();
      ir['comment'] = 'x';
      const open = ir['interfaces'][1].functions[0];
      expect(open.name).to.equal('ndo_open');
      open.reads[0].select.fields[1].select.why = 1;
      expect(validateIr(ir)).to.deep.equal([
        '(root): unexpected property "comment"; allowed: version, abi, modules, constants, types, interfaces',
        '/interfaces/1/functions/0/reads/0/select/fields/1/select: unexpected property "why"; allowed: all, fields',
      ]);
    });

    it('values outside the enumerations', () => {
      const ir = base();
      const fn = ir['interfaces'][1].functions[0];
      fn.role = 'sidecall';
      fn.params[0].direction = 'both';
      fn.params[0].marshal.mode = 'byref';
      fn.reads[0].select.all = 'everything';
      ir['abi'] = 'ilp64';
      ir['version'] = 'mdidl-ir/2';
      expect(validateIr(ir)).to.deep.equal([
        '/version: must be "mdidl-ir/1", got "mdidl-ir/2"',
        '/abi: must be one of "lp64", "ilp32", got "ilp64"',
        '/interfaces/1/functions/0/role: must be one of "upcall", "downcall", "critical", got "sidecall"',
        '/interfaces/1/functions/0/params/0/direction: must be one of "in", "out", "inout", got "both"',
        '/interfaces/1/functions/0/params/0/marshal/mode: must be one of "value", "callback", "skip", "combolock", "tracked", "ops", "opaque", "counted", "string", "interior", "container", got "byref"',
        '/interfaces/1/functions/0/reads/0/select/all: must be one of "none", "shallow", "deep", got "everything"',
      ]);
    });

    it('a bad role alone, naming its pointer', () => {
      const ir = base();
      ir['interfaces'][0].functions[1].role = 'Upcall';
      expect(validateIr(ir)).to.deep.equal([
        '/interfaces/0/functions/1/role: must be one of "upcall", "downcall", "critical", got "Upcall"',
      ]);
    });

    it('bad decimal strings', () => {
      const ir = base();
      ir['constants'][0].value = '6.0';
      ir['constants'][1].value = '0x5ec';
      ir['constants'][2].value = 18446744073709551615;
      const arg = typeIndex(ir, 'cmd_arg');
      ir['types'][arg].arms[1].cases[1] = 'CMD_C';
      const e = typeIndex(ir, 'cmd_kind');
      ir['types'][e].members[0].value = '';
      expect(validateIr(ir)).to.deep.equal([
        '/constants/0/value: must match ^-?[0-9]+$, got "6.0"',
        '/constants/1/value: must match ^-?[0-9]+$, got "0x5ec"',
        '/constants/2/value: must be string, got 18446744073709552000',
        `/types/${e}/members/0/value: must match ^-?[0-9]+$, got ""`,
        `/types/${arg}/arms/1/cases/1: must match ^-?[0-9]+$, got "CMD_C"`,
      ]);
    });

    it('a non-integer or out-of-range number', () => {
      const ir = base();
      const i = typeIndex(ir, 'net_device');
      ir['types'][i].fields[3].bitOffset = 0.5;
      ir['types'][i].fields[1].offset = -16;
      ir['types'][i].id = 0;
      ir['modules'][0].version = 65536;
      expect(validateIr(ir)).to.deep.equal([
        '/modules/0/version: must be <= 65535, got 65536',
        `/types/${i}/id: must be >= 1, got 0`,
        `/types/${i}/fields/1/offset: must be >= 0, got -16`,
        `/types/${i}/fields/3/bitOffset: must be integer or null, got 0.5`,
      ]);
    });

    it('an unknown kind of type, expression or declaration', () => {
      const ir = base();
      const i = typeIndex(ir, 'rtl8139_private');
      ir['types'][i].fields[0].type.kind = 'float';
      ir['types'][i].fields[1].marshal.count.kind = 'call';
      ir['types'][0].kind = 'class';
      expect(validateIr(ir)).to.deep.equal([
        '/types/0/kind: unknown kind "class"; expected one of struct, union, enum, typedef, callback',
        `/types/${i}/fields/0/type/kind: unknown kind "float"; expected one of int, bool, char, void, struct, union, enum, callback, interface, alias, pointer, array`,
        `/types/${i}/fields/1/marshal/count/kind: unknown kind "call"; expected one of literal, constant, slot, sizeof, unary, binary`,
      ]);
    });

    it('a property of the wrong kind of type', () => {
      const ir = base();
      const i = typeIndex(ir, 'net_device');
      // A pointer with the name of a named type, and a bool with bits.
      ir['types'][i].fields[6].type = { kind: 'pointer', name: 'rtl8139_private' };
      ir['types'][i].fields[5].type.bits = 8;
      expect(validateIr(ir)).to.deep.equal([
        `/types/${i}/fields/5/type: unexpected property "bits"; allowed: kind`,
        `/types/${i}/fields/6/type: missing required property "to"`,
        `/types/${i}/fields/6/type: missing required property "isConst"`,
        `/types/${i}/fields/6/type: unexpected property "name"; allowed: kind, to, isConst`,
      ]);
    });

    it('a bad value inside a nullable node without the noise of the null branch', () => {
      const ir = base();
      const i = typeIndex(ir, 'rtl8139_private');
      ir['types'][i].fields[1].marshal.count = 'rx_count * 2';
      ir['types'][i].fields[1].marshal.max = 1.5;
      ir['types'][i].fields[0].marshal.switchOn = { name: 'x', index: -1 };
      expect(validateIr(ir)).to.deep.equal([
        `/types/${i}/fields/0/marshal/switchOn/index: must be >= 0, got -1`,
        `/types/${i}/fields/1/marshal/count: must be object or null, got "rx_count * 2"`,
        `/types/${i}/fields/1/marshal/max: must be integer or null, got 1.5`,
      ]);
    });

    it('a bad recursive selection', () => {
      const ir = base();
      const fn = ir['interfaces'][1].functions[0];
      fn.writes[0].select.fields[1].select.fields[0].select = { all: 'none' };
      expect(validateIr(ir)).to.deep.equal([
        '/interfaces/1/functions/0/writes/0/select/fields/1/select/fields/0/select: missing required property "fields"',
      ]);
    });

    it('something that is not an IR at all', () => {
      expect(validateIr(null)).to.deep.equal(['(root): must be object, got null']);
      expect(validateIr([])).to.deep.equal(['(root): must be object, got an array']);
      expect(validateIr({})).to.deep.equal([
        '(root): missing required property "version"',
        '(root): missing required property "abi"',
        '(root): missing required property "modules"',
        '(root): missing required property "constants"',
        '(root): missing required property "types"',
        '(root): missing required property "interfaces"',
      ]);
    });
  });
});
