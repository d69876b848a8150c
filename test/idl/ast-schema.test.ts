import { readFileSync } from 'node:fs';
import { expect } from 'chai';
import type { Document } from '../../idl/ast.js';
import { AST_SCHEMA_URL, validateAst } from '../../idl/ast-schema.js';
import { parseMdl } from '../../idl/parse.js';

// Each source is valid IDL; together they produce every node kind and every value of every enum
// in the schema, and each nullable property both null and set.
const SOURCES: Record<string, string> = {
  'rtl8139.mdl': `// Realtek 8139: the split between the kernel and user parts.
module rtl8139 version 1;
import "kernel.mdl";
import "net/skbuff.mdl";

/* Sizes */
const ETH_ALEN = 6;
const u16 MTU = 1500 + sizeof(u32) * (2 << 1);
[deprecated] const u32 OLD_MTU = 0x5dc;

enum state : u8 { DOWN = 0, UP, }
enum plain { A, [hidden] B = A + 1 };

struct pci_dev;
union cmd_arg switch (u32) { case 1: u32 a; case 2, 3: u8 b[4]; default: u64 c; }
union raw { u32 a; u8 b[4]; }
typedef u8 mac_t[6];
typedef u8 grid_t[2][ETH_ALEN * 2];

[packed] struct net_device {
    [string] char name[16];
    u8 dev_addr[ETH_ALEN];
    u32 up : 1;
    u32 rest : 31;
    const rtl8139_private *priv;
    [opaque] pci_dev *pdev;
    u32 kind;
    [switch(kind)] cmd_arg arg;
    u8 **table;
}

callback s32 irq_handler_t(s32 irq, [opaque] void *dev);
callback [string] char *namer_t(u8 buf[16]);

interface net_device_ops {
    upcall s32 ndo_open(net_device *dev) reads(dev.flags, dev.priv.*) writes(dev->flags);
    critical s32 ndo_start_xmit([opaque] sk_buff *skb, net_device *dev);
    [id(5)] downcall [string] char *name(u32 version) reads() writes(x.**);
    [async, timeout()] upcall void ndo_stop(net_device *dev) writes(dev->priv->state);
}
`,
  'ops.mdl': `module ops version 0b10;
const ALL = 1 | 2 ^ 3 & 4 << 1 >> 1 + 2 - 1 * 3 / 1 % 2;
const NEG = -1;
const INV = ~0x0F;
const POS = +0o17;
const NESTED = -(~(+ALL));
const SZ = sizeof(const u8 *) + sizeof(net_device);
[header("linux/netdevice.h")] struct net_device {
    u32 flags;
}
struct work { u32 pending; }
struct delayed { work w; }
struct adapter { delayed task; work other; [container(adapter, task.w)] work *cur; [container(adapter, other | task.w)] work *any; }
`,
  'empty.mdl': '',
  'comments-only.mdl': '// nothing here\n/* nor\n   here */\n',
  'crlf.mdl': 'struct s {\r\n  u8 a; // trailing\r\n}\r\ninterface i {\r\n  downcall void f(s *p) reads(p.*);\r\n}\r\n',
};

function parse(file: string, text: string): Document {
  const { document, diagnostics } = parseMdl(text, file);
  expect(diagnostics, `${file} parses cleanly`).to.deep.equal([]);
  expect(document).to.not.equal(null);
  return document!;
}

/** JSON as a consumer of `--json` output would see it. */
function roundTrip(doc: Document): Record<string, any> {
  return JSON.parse(JSON.stringify(doc)) as Record<string, any>;
}

function kindsIn(value: unknown, into: Set<string>): Set<string> {
  if (Array.isArray(value)) for (const v of value) kindsIn(v, into);
  else if (value !== null && typeof value === 'object') {
    const kind = (value as { kind?: unknown }).kind;
    if (typeof kind === 'string') into.add(kind);
    for (const v of Object.values(value)) kindsIn(v, into);
  }
  return into;
}

const schema = JSON.parse(readFileSync(AST_SCHEMA_URL, 'utf8')) as {
  definitions: Record<string, { type?: string; required?: string[]; properties?: Record<string, any>; additionalProperties?: boolean }>;
};

describe('AST JSON schema', () => {
  for (const [file, text] of Object.entries(SOURCES)) {
    it(`accepts the parsed tree of ${file}`, () => {
      expect(validateAst(roundTrip(parse(file, text)))).to.deep.equal([]);
    });
  }

  it('is exercised on every node kind the schema defines', () => {
    const seen = new Set<string>();
    for (const [file, text] of Object.entries(SOURCES)) kindsIn(roundTrip(parse(file, text)), seen);
    const defined = Object.values(schema.definitions)
      .map((d) => d.properties?.['kind']?.const as string | undefined)
      .filter((k): k is string => k !== undefined);
    expect(defined).to.have.length(28);
    expect([...seen].sort()).to.deep.equal([...defined].sort());
  });

  it('pins every object: all properties required, no others allowed', () => {
    for (const [name, def] of Object.entries(schema.definitions)) {
      if (def.type !== 'object' || !def.properties) continue;
      expect(def.additionalProperties, name).to.equal(false);
      expect(def.required, name).to.deep.equal(Object.keys(def.properties));
    }
  });

  describe('rejects', () => {
    const base = (): Record<string, any> => roundTrip(parse('rtl8139.mdl', SOURCES['rtl8139.mdl']!));

    it('a missing required property, naming the object', () => {
      const doc = base();
      delete doc['decls'][0].name;
      expect(validateAst(doc)).to.deep.equal(['/decls/0: missing required property "name"']);
    });

    it('a missing property deep in an expression', () => {
      const doc = base();
      delete doc['decls'][1].value.right.left.type.loc.endColumn;
      expect(validateAst(doc)).to.deep.equal(['/decls/1/value/right/left/type/loc: missing required property "endColumn"']);
    });

    it('a missing nullable property: null is not the same as absent', () => {
      const doc = base();
      delete doc['module'];
      expect(validateAst(doc)).to.deep.equal(['(root): missing required property "module"']);
    });

    it('an extra property', () => {
      const doc = base();
      doc['decls'][10].fields[0].extra = true;
      const errors = validateAst(doc);
      expect(errors).to.have.length(1);
      expect(errors[0]).to.match(/^\/decls\/10\/fields\/0: unexpected property "extra"; allowed: kind, attrs, type, name, dims, bits, loc$/);
    });

    it('an extra property on a Loc', () => {
      const doc = base();
      doc['loc'].length = 3;
      expect(validateAst(doc)).to.deep.equal([
        '/loc: unexpected property "length"; allowed: file, line, column, offset, endOffset, endLine, endColumn',
      ]);
    });

    it('a wrong kind on a declaration', () => {
      const doc = base();
      doc['decls'][3].kind = 'Enumm';
      expect(validateAst(doc)).to.deep.equal([
        '/decls/3/kind: unknown kind "Enumm"; expected one of Const, Enum, Struct, Union, Typedef, Callback, Interface',
      ]);
    });

    it('a wrong kind on an expression', () => {
      const doc = base();
      doc['decls'][1].value.kind = 'Ternary';
      expect(validateAst(doc)).to.deep.equal([
        '/decls/1/value/kind: unknown kind "Ternary"; expected one of IntLiteral, NameRef, Unary, Binary, Sizeof, StringLiteral, MemberPath, MemberChoice',
      ]);
    });

    it('a kind that belongs elsewhere', () => {
      const doc = base();
      doc['module'].kind = 'Import';
      doc['decls'][0].name.kind = 'NameRef';
      expect(validateAst(doc)).to.deep.equal([
        '/module/kind: must be "Module", got "Import"',
        '/decls/0/name/kind: must be "Name", got "NameRef"',
      ]);
    });

    it('a declaration in place of an expression, reporting only the expression kinds', () => {
      const doc = base();
      doc['decls'][0].value = doc['decls'][3];
      expect(validateAst(doc)).to.deep.equal([
        '/decls/0/value/kind: unknown kind "Enum"; expected one of IntLiteral, NameRef, Unary, Binary, Sizeof, StringLiteral, MemberPath, MemberChoice',
      ]);
    });

    it('a bad value inside a nullable node without the noise of the null branch', () => {
      const doc = base();
      doc['decls'][1].type.pointers = -1;
      doc['decls'][10].fields[2].bits = 'x';
      expect(validateAst(doc)).to.deep.equal([
        '/decls/1/type/pointers: must be >= 0, got -1',
        '/decls/10/fields/2/bits: must be object or null, got "x"',
      ]);
    });

    it('a non-integer or zero position', () => {
      const doc = base();
      doc['imports'][0].loc.line = 0;
      doc['imports'][1].loc.column = 1.5;
      expect(validateAst(doc)).to.deep.equal([
        '/imports/0/loc/line: must be >= 1, got 0',
        '/imports/1/loc/column: must be integer, got 1.5',
      ]);
    });

    it('values outside the enumerations and literal forms', () => {
      const doc = base();
      const fn = doc['decls'][13].functions[0];
      fn.role = 'sidecall';
      fn.reads[1].wildcard = 'all';
      doc['decls'][1].value.left.value = 1500;
      expect(validateAst(doc)).to.deep.equal([
        '/decls/1/value/left/value: must be string, got 1500',
        '/decls/13/functions/0/role: must be one of "upcall", "downcall", "critical", got "sidecall"',
        '/decls/13/functions/0/reads/1/wildcard: must be one of "none", "shallow", "deep", got "all"',
      ]);
    });

    it('something that is not a tree at all', () => {
      expect(validateAst(null)).to.deep.equal(['(root): must be object, got null']);
      expect(validateAst([])).to.deep.equal(['(root): must be object, got an array']);
    });
  });
});
