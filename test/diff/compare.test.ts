// The classification rules of docs/diff.md, one small program pair each, on the in-process API:
// every change is listed as `class kind subject`, and the list must match exactly, so a rule that
// starts reporting something extra fails too. The fixtures (fixtures.test.ts) show whole reports;
// these pin the rules the fixtures do not reach, and the last test checks that between them every
// kind the diff can report is exercised and documented.
import { expect } from 'chai';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { diff, type Change, renderJson, renderText } from '../../compiler/diff/index.js';
import { FIXTURES, side } from './util.js';

const seen = new Set<string>();

function files(src: string | Record<string, string>): Record<string, string> {
  return typeof src === 'string' ? { 'm.mdl': src.startsWith('module') ? src : `module m version 1;\n${src}` } : src;
}

function run(oldSrc: string | Record<string, string>, newSrc: string | Record<string, string>): Change[] {
  const changes = diff(side(files(oldSrc)), side(files(newSrc)));
  for (const c of changes) seen.add(c.kind);
  return changes;
}

function brief(oldSrc: string | Record<string, string>, newSrc: string | Record<string, string>): string[] {
  return run(oldSrc, newSrc).map((c) => `${c.class} ${c.kind} ${c.subject}`);
}

const DEV = `
struct net_device {
    u32 flags;
    u32 mtu;
}
`;

describe('mdidl diff rules', () => {
  it('identical programs have no changes', () => {
    const src = `${DEV}interface ops {\n    upcall s32 open(net_device *dev) reads(dev.flags) writes();\n}\n`;
    expect(brief(src, src)).to.deep.equal([]);
  });

  describe('access sets are compared by what they select', () => {
    const fn = (clause: string): string => `${DEV}interface ops {\n    upcall s32 open(net_device *dev) ${clause};\n}\n`;

    it('`.*` equals the list of every field; `->` equals `.`', () => {
      // The text did change: a cosmetic note, shown only with --all.
      expect(brief(fn('reads(dev.*) writes()'), fn('reads(dev->flags, dev->mtu) writes()'))).to.deep.equal(['cosmetic text-changed module m']);
    });

    it('the default set (no clause) covers an explicit one: dropping to it is growth, adopting one is shrinking', () => {
      expect(brief(fn('reads(dev.flags) writes(dev.flags)'), fn('writes(dev.flags)'))).to.deep.equal([
        'wire-breaking access-set-grew interface ops.open',
      ]);
      expect(brief(fn('writes(dev.flags)'), fn('reads(dev.flags) writes(dev.flags)'))).to.deep.equal([
        'compatible access-set-shrank interface ops.open',
      ]);
    });

    it('an embedded struct sent whole covers a path into it', () => {
      const src = (clause: string): string =>
        `struct stats {\n    u64 rx;\n    u64 tx;\n}\nstruct dev {\n    stats st;\n}\ninterface ops {\n    upcall void get(dev *d) ${clause};\n}\n`;
      expect(brief(src('reads(d.st) writes()'), src('reads(d.st.rx) writes()'))).to.deep.equal(['compatible access-set-shrank interface ops.get']);
      const grew = run(src('reads(d.st.rx) writes()'), src('reads(d.st) writes()'));
      expect(grew.map((c) => c.message)).to.deep.equal([
        'reads now include d.st.tx: the kernel (the caller of this upcall) built from the old interface does not send them, so the u-driver would work on stale or zero values',
      ]);
    });

    it('a new field reached by a deep set is reported once, at the struct', () => {
      const src = (fields: string): string => `struct dev {\n${fields}}\ninterface ops {\n    upcall void get(dev *d) reads(d.**) writes();\n}\n`;
      expect(brief(src('    u32 a;\n'), src('    u32 a;\n    u32 b;\n'))).to.deep.equal(['wire-breaking field-added-sent struct dev.b']);
    });

    it('deep sets stop at cycles', () => {
      const src = (clause: string): string =>
        `struct node {\n    u32 v;\n    node *next;\n    node *prev;\n}\ninterface ops {\n    downcall void walk(node *n) ${clause};\n}\n`;
      expect(run(src('reads(n.v) writes()'), src('writes()')).map((c) => c.message)).to.deep.equal([
        'reads now include n.next.** and n.prev.**: the u-driver (the caller of this downcall) built from the old interface does not send them, so the kernel would work on stale or zero values',
      ]);
    });
  });

  describe('what crosses', () => {
    it('a field of a struct that only travels behind [opaque] never crosses', () => {
      const src = (t: string): string => `struct pci_dev {\n    ${t} vendor;\n}\ninterface k {\n    downcall void take([opaque] pci_dev *p);\n}\n`;
      expect(brief(src('u16'), src('u32'))).to.deep.equal(['source-breaking field-type-changed struct pci_dev.vendor']);
    });

    it('[as(T)] and [container(T, f)] make T an object', () => {
      const src = (id: string): string =>
        `${id}struct adapter {\n    u32 msg;\n    work_struct w;\n}\nstruct work_struct {\n    u32 pending;\n}\n` +
        `interface k {\n    downcall void set([as(adapter)] void *data) reads() writes();\n}\n`;
      expect(brief(src(''), src('[id(5)] '))).to.deep.equal(['wire-breaking type-id-changed struct adapter']);
      const cont = (id: string): string =>
        `${id}struct adapter {\n    u32 msg;\n    work_struct w;\n}\nstruct work_struct {\n    u32 pending;\n}\n` +
        `interface k {\n    upcall void run([container(adapter, w)] work_struct *work) reads() writes();\n}\n`;
      expect(brief(cont(''), cont('[id(5)] '))).to.deep.equal(['wire-breaking type-id-changed struct adapter']);
    });

    it('a [container] choice: its members in order are its wire', () => {
      const src = (members: string): string =>
        `struct adapter {\n    u32 msg;\n    work_struct a;\n    work_struct b;\n    work_struct c;\n}\nstruct work_struct {\n    u32 pending;\n}\n` +
        `interface k {\n    downcall void queue([container(adapter, ${members})] work_struct *work) reads() writes();\n}\n`;
      expect(brief(src('a | b'), src('a | b'))).to.deep.equal([]);
      expect(brief(src('a | b'), src('a|b'))).to.deep.equal(['cosmetic formatting-changed module m']);
      expect(brief(src('a | b'), src('a | c')), 'another second member').to.deep.equal(['wire-breaking param-marshal-changed interface k.queue(work)']);
      expect(brief(src('a | b'), src('b | a')), 'the same members, other indexes').to.deep.equal(['wire-breaking param-marshal-changed interface k.queue(work)']);
      expect(brief(src('a | b'), src('a | b | c')), 'one more member').to.deep.equal(['wire-breaking param-marshal-changed interface k.queue(work)']);
      expect(brief(src('a'), src('a | b')), 'one member to a choice: an index more on the wire').to.deep.equal(['wire-breaking param-marshal-changed interface k.queue(work)']);
    });

    it('a critical function sends nothing', () => {
      const src = (t: string): string => `struct dev {\n    ${t} x;\n}\ninterface k {\n    critical void xmit(dev *d);\n}\n`;
      expect(brief(src('u16'), src('u32'))).to.deep.equal(['source-breaking field-type-changed struct dev.x']);
    });

    it('a struct sent by value as a counted array makes every field cross', () => {
      const src = (extra: string): string =>
        `struct desc {\n    u64 addr;\n${extra}}\ninterface k {\n    downcall void fill(u32 n, [count(n)] desc *d);\n}\n`;
      expect(brief(src(''), src('    u16 len;\n'))).to.deep.equal(['wire-breaking field-added-sent struct desc.len']);
    });

    it('an [skip] field inserted before sent object fields renumbers them', () => {
      const src = (extra: string): string =>
        `struct dev {\n    u32 a;\n${extra}    u32 b;\n}\ninterface k {\n    downcall void f(dev *d) reads(d.b) writes();\n}\n`;
      expect(brief(src(''), src('    [skip] u32 lock;\n'))).to.deep.equal([
        'compatible field-added-unsent struct dev.lock',
        'wire-breaking field-order-changed struct dev',
        'source-breaking layout-changed struct dev',
      ]);
    });

    it('an object whose field count crosses 64 changes its present-mask width', () => {
      const fields = (n: number): string => Array.from({ length: n }, (_, i) => `    u8 f${i};\n`).join('');
      const src = (n: number): string => `struct big {\n${fields(n)}}\ninterface k {\n    downcall void f(big *b) reads(b.f0) writes();\n}\n`;
      expect(brief(src(64), src(65))).to.deep.equal(['compatible field-added-unsent struct big.f64', 'wire-breaking present-mask-resized struct big']);
      expect(brief(src(62), src(63))).to.deep.equal(['compatible field-added-unsent struct big.f62']);
    });
  });

  describe('counts fold to what the receiver computes', () => {
    const src = (consts: string, count: string): string =>
      `${consts}struct ring {\n    [count(${count})] u8 *buf;\n}\ninterface k {\n    downcall void f(ring *r) reads(r.buf) writes();\n}\n`;

    it('a literal and a constant of the same value are the same count', () => {
      expect(brief(src('', '6'), src('const ETH_ALEN = 6;\n', 'ETH_ALEN'))).to.deep.equal(['compatible constant-added const ETH_ALEN']);
    });

    it("a constant's new value is reported once, at the constant", () => {
      expect(brief(src('const N = 6;\n', 'N'), src('const N = 8;\n', 'N'))).to.deep.equal(['wire-breaking constant-changed const N']);
    });

    it('switching to another constant with another value changes the count', () => {
      expect(brief(src('const A = 6;\nconst B = 8;\n', 'A'), src('const A = 6;\nconst B = 8;\n', 'B'))).to.deep.equal([
        'wire-breaking field-count-changed struct ring.buf',
      ]);
    });
  });

  describe('functions and interfaces', () => {
    it('parameter and return marshaling', () => {
      const src = (p: string, r: string): string => `interface k {\n    downcall ${r} u8 *get(u32 n, ${p} u8 *buf);\n}\n`;
      expect(brief(src('[count(n)]', '[count(n)]'), src('[count(n * 2)]', '[count(n + 1)]'))).to.deep.equal([
        'wire-breaking return-count-changed interface k.get',
        'wire-breaking param-count-changed interface k.get(buf)',
      ]);
      expect(brief(src('[count(n)]', '[count(n)]'), src('[count(n), max(16)]', '[count(n), max(8)]'))).to.deep.equal([
        'wire-breaking return-marshal-changed interface k.get',
        'wire-breaking param-marshal-changed interface k.get(buf)',
      ]);
    });

    it('interfaces added, removed, re-identified; an unpinned interface rename keeps nothing on the wire', () => {
      const a = `interface svc {\n    downcall void ping();\n}\ninterface gone {\n    upcall void bye();\n}\ninterface local {\n    critical void spin();\n}\n`;
      const b = `[id(9)] interface svc {\n    downcall void ping();\n}\ninterface fresh {\n    upcall void hi();\n}\n`;
      expect(brief(a, b)).to.deep.equal([
        'wire-breaking interface-id-changed interface svc',
        'compatible interface-added interface fresh',
        'wire-breaking interface-removed interface gone',
        'source-breaking interface-removed interface local',
      ]);
      const c = `interface service {\n    downcall void ping();\n}\n`;
      expect(brief(`interface svc {\n    downcall void ping();\n}\n`, c)).to.deep.equal(['wire-breaking rename interface svc -> service']);
    });

    it('a critical function removed from an ops table that crosses moves its bits', () => {
      const src = (fns: string): string =>
        `struct dev {\n    const ops *o;\n}\ninterface ops {\n${fns}}\ninterface k {\n    downcall void reg(dev *d) reads(d.o) writes();\n}\n`;
      expect(brief(src('    upcall void open();\n    critical void xmit();\n'), src('    upcall void open();\n'))).to.deep.equal([
        'wire-breaking function-removed interface ops.xmit',
      ]);
      expect(brief(src('    critical void xmit();\n    upcall void open();\n'), src('    upcall void open();\n    critical void xmit();\n'))).to.deep.equal([
        'wire-breaking function-order-changed interface ops',
      ]);
    });

    it('a [header] added, changed or dropped is source-breaking, not wire-breaking', () => {
      const dev = (attr: string): string => `${attr}struct net_device {\n    u32 flags;\n}\ninterface ops {\n    upcall s32 open(net_device *dev) reads(dev.flags) writes();\n}\n`;
      expect(brief(dev(''), dev('[header("linux/netdevice.h")]\n'))).to.deep.equal(['source-breaking type-header-changed struct net_device']);
      expect(brief(dev('[header("linux/netdevice.h")]\n'), dev('[header("linux/if.h")]\n'))).to.deep.equal(['source-breaking type-header-changed struct net_device']);
      expect(brief(dev('[header("linux/netdevice.h")]\n'), dev(''))).to.deep.equal(['source-breaking type-header-changed struct net_device']);
    });

    it('a critical function: C signature only', () => {
      expect(brief(`interface k {\n    critical void f(u32 a);\n}\n`, `interface k {\n    critical void f(u32 a, u32 b);\n}\n`)).to.deep.equal([
        'source-breaking params-changed interface k.f',
      ]);
      expect(brief(`interface k {\n    critical void f(u32 a);\n}\n`, `interface k {\n    upcall void f(u32 a);\n}\n`)).to.deep.equal([
        'compatible function-role-changed interface k.f',
      ]);
      expect(brief(`interface k {\n    upcall void f(u32 a);\n}\n`, `interface k {\n    critical void f(u32 a);\n}\n`)).to.deep.equal([
        'wire-breaking function-role-changed interface k.f',
      ]);
      expect(brief(`interface k {\n    critical void f();\n    critical void g();\n}\n`, `interface k {\n    critical void f();\n}\n`)).to.deep.equal([
        'source-breaking function-removed interface k.g',
      ]);
    });
  });

  describe('renames', () => {
    it('two look-alike structs renamed at once are not guessed', () => {
      const a = `struct a1 {\n    u32 x;\n}\nstruct a2 {\n    u32 x;\n}\n`;
      const b = `struct b1 {\n    u32 x;\n}\nstruct b2 {\n    u32 x;\n}\n`;
      expect(brief(a, b)).to.deep.equal([
        'compatible type-added struct b1',
        'compatible type-added struct b2',
        'source-breaking type-removed struct a1',
        'source-breaking type-removed struct a2',
      ]);
    });

    it('a renamed struct does not make the fields that hold it change type', () => {
      const src = (n: string): string =>
        `[id(3)] struct ${n} {\n    u32 x;\n}\nstruct holder {\n    ${n} *p;\n}\ninterface k {\n    downcall void f(holder *h) reads(h.p.x) writes();\n}\n`;
      expect(brief(src('inner'), src('inner2'))).to.deep.equal(['source-breaking rename struct inner -> inner2']);
    });

    it('a typedef renamed, and a union member renamed in place', () => {
      expect(brief(`typedef u32 irq_t;\n`, `typedef u32 irq_num_t;\n`)).to.deep.equal(['source-breaking rename typedef irq_t -> irq_num_t']);
      const u = (m: string): string =>
        `union v switch (u8) {\n    case 1: u8 ${m};\n    case 2: u16 w;\n}\nstruct s {\n    u8 k;\n    [switch(k)] v val;\n}\ninterface i {\n    downcall void f(s *p) reads(p.*) writes();\n}\n`;
      expect(brief(u('b'), u('byte'))).to.deep.equal(['source-breaking rename union v.b -> byte']);
    });
  });

  describe('types', () => {
    it('an enum storage type', () => {
      const src = (base: string): string => `enum e : ${base} {\n    A,\n}\nstruct s {\n    e v;\n}\ninterface k {\n    downcall void f(s *p) reads(p.v) writes();\n}\n`;
      expect(brief(src('u8'), src('u16'))).to.deep.equal(['wire-breaking enum-base-changed enum e']);
      expect(brief(`enum e : u8 {\n    A,\n}\n`, `enum e : u16 {\n    A,\n}\n`)).to.deep.equal(['source-breaking enum-base-changed enum e']);
    });
  });

  describe('modules and files', () => {
    const kernel = `module kernel version 1;\nstruct net_device {\n    u32 flags;\n}\n`;
    const drv = (imp: string): string =>
      `module drv version 1;\n${imp}interface ops {\n    upcall void open(net_device *d) reads(d.flags) writes();\n}\n`;

    it('modules added and removed', () => {
      const one = { 'drv.mdl': `module drv version 1;\nstruct net_device {\n    u32 flags;\n}\n${drv('').split('\n').slice(1).join('\n')}` };
      const two = { 'drv.mdl': drv('import "kernel.mdl";\n'), 'kernel.mdl': kernel };
      expect(brief(one, two)).to.deep.equal(['compatible module-added module kernel', 'cosmetic declaration-moved struct net_device']);
      expect(brief(two, one)).to.deep.equal(['compatible module-removed module kernel', 'cosmetic declaration-moved struct net_device']);
    });

    it('an interface moving to a module of another version is reported as a version change', () => {
      const a = { 'drv.mdl': `module drv version 1;\nimport "k.mdl";\ninterface ops {\n    upcall void open();\n}\n`, 'k.mdl': 'module k version 2;\n' };
      const b = { 'drv.mdl': `module drv version 1;\nimport "k.mdl";\n`, 'k.mdl': 'module k version 2;\ninterface ops {\n    upcall void open();\n}\n' };
      expect(brief(a, b)).to.deep.equal(['compatible declaration-moved interface ops']);
    });
  });

  describe('output', () => {
    it('is the same on every run and in every time zone', () => {
      const dir = path.join(FIXTURES, 'renames');
      const read = (f: string): Record<string, string> => ({ 'm.mdl': fs.readFileSync(path.join(dir, f), 'utf8') });
      const report = () => {
        const changes = diff(side(read('old.mdl')), side(read('new.mdl')));
        const r = { oldLabel: 'a', newLabel: 'b', changes, all: true, failOn: 'wire-breaking' as const };
        return renderText(r) + renderJson(r);
      };
      const tz = process.env['TZ'];
      try {
        process.env['TZ'] = 'UTC';
        const first = report();
        process.env['TZ'] = 'Pacific/Chatham';
        expect(report()).to.equal(first);
      } finally {
        if (tz === undefined) delete process.env['TZ'];
        else process.env['TZ'] = tz;
      }
    });
  });

  // Every kind compare.ts and cosmetic.ts can report, each documented in docs/diff.md and produced
  // by a fixture or a case above.
  const KINDS = [
    'access-set-grew',
    'access-set-shrank',
    'comments-changed',
    'constant-added',
    'constant-changed',
    'constant-removed',
    'constant-type-changed',
    'declaration-moved',
    'enum-base-changed',
    'enum-value-added',
    'enum-value-removed',
    'enum-value-renumbered',
    'field-added-sent',
    'field-added-unsent',
    'field-count-changed',
    'field-marshal-changed',
    'field-order-changed',
    'field-removed',
    'field-type-changed',
    'field-width-changed',
    'formatting-changed',
    'function-added',
    'function-id-changed',
    'function-order-changed',
    'function-removed',
    'function-role-changed',
    'interface-added',
    'interface-id-changed',
    'interface-removed',
    'layout-changed',
    'module-added',
    'module-removed',
    'module-version-changed',
    'param-count-changed',
    'param-direction-changed',
    'param-marshal-changed',
    'param-type-changed',
    'params-changed',
    'present-mask-resized',
    'rename',
    'return-count-changed',
    'return-marshal-changed',
    'return-type-changed',
    'text-changed',
    'type-added',
    'type-header-changed',
    'type-id-changed',
    'type-kind-changed',
    'type-removed',
    'type-respelled',
    'typedef-changed',
    'union-arm-added',
    'union-arm-order-changed',
    'union-arm-removed',
    'union-case-changed',
    'union-discriminant-changed',
  ];

  // Last, so the cases above have run and recorded the kinds they saw.
  describe('coverage', () => {
    it('every kind is documented and exercised by a fixture or a rule above', () => {
      const doc = fs.readFileSync(path.resolve('docs/diff.md'), 'utf8');
      expect(KINDS.filter((k) => !doc.includes(`\`${k}\``)), 'undocumented').to.deep.equal([]);
      // The kinds in the fixtures' reports: every expected report names its changes' kinds.
      const fixtureKinds = new Set<string>();
      for (const name of fs.readdirSync(FIXTURES)) {
        const dir = path.join(FIXTURES, name);
        for (const f of fs.readdirSync(dir).filter((x) => x.startsWith('expected') && x.endsWith('.txt'))) {
          for (const m of fs.readFileSync(path.join(dir, f), 'utf8').matchAll(/^ {2}\S.* {2}([a-z]+(?:-[a-z]+)*)$/gm)) fixtureKinds.add(m[1]!);
        }
      }
      expect(KINDS.filter((k) => !seen.has(k) && !fixtureKinds.has(k)), 'never exercised').to.deep.equal([]);
      expect([...seen, ...fixtureKinds].filter((k) => !KINDS.includes(k)), 'missing from the list').to.deep.equal([]);
    });
  });
});
