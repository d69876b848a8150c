// Access sets at their edges: a path into an embedded struct writes only the fields it names, a
// path through one follows its pointers, and a pointer a writes path passes through is read too,
// so it comes back as it was rather than as NULL. Each case is the corruption a split driver would otherwise suffer: fields
// the u-driver never received (or that the kernel changed meanwhile) overwritten by its copy.
import { expect } from 'chai';
import { buildPlan } from '../../compiler/backends/ts/plan.js';
import { Codec } from '../../runtime/ts/codec.js';
import { ObjectTable } from '../../runtime/ts/object-table.js';
import { accessFields, type Plan } from '../../runtime/ts/plan.js';
import { WireWriter } from '../../runtime/ts/wire-writer.js';
import { irOf } from '../helpers.js';

type Obj = Record<string, unknown>;

const IDL = `
struct link { u32 up; u32 speed; }
struct stats { u32 rx; u32 tx; u32 err; }
struct mii { u32 phy; u32 reg; link *lk; }
struct inner { u32 a; u32 b; }
struct outer { inner in; u32 c; }
struct runtime { u32 state; u32 pos; }
struct dev { u32 flags; stats st; mii m; runtime *rt; outer o; }
interface ops {
    upcall s32 bump(dev *d) reads(d.st.rx) writes(d.st.rx);
    upcall s32 speed(dev *d) reads(d.m.lk.up) writes(d.m.lk.speed);
    upcall s32 run(dev *d) reads(d.flags) writes(d.rt.pos);
    upcall s32 run_read(dev *d) reads(d.rt.state) writes(d.rt.pos);
    upcall s32 attach(dev *d) reads(d.flags) writes(d.rt, d.rt.pos);
    upcall s32 deep(dev *d) reads(d.o.in.a) writes(d.o.in.a);
    upcall s32 whole(dev *d) reads(d.st) writes(d.st, d.st.rx);
}
`;

function setup(): { plan: Plan; k: Codec; u: Codec; w: WireWriter } {
  const plan = buildPlan(irOf(IDL), 't', 1);
  return { plan, k: new Codec(plan, new ObjectTable('kernel')), u: new Codec(plan, new ObjectTable('user')), w: new WireWriter(new ArrayBuffer(1 << 16)) };
}

function device(): Obj {
  return {
    flags: 1,
    st: { rx: 5, tx: 7, err: 9 },
    m: { phy: 1, reg: 2, lk: { up: 1, speed: 100 } },
    rt: { state: 3, pos: 4 },
    o: { in: { a: 10, b: 11 }, c: 12 },
  };
}

/** One upcall: the kernel sends `dev`, `work` runs on the u-driver's shadow, the reply is applied. */
function upcall(name: string, dev: Obj, work: (shadow: Obj) => void, meanwhile: () => void = () => {}): void {
  const { k, u, w } = setup();
  const iface = k.interfaceNamed('ops');
  const fn = iface.functions.find((f) => f.name === name)!;
  const got = u.decodeCall(k.encodeCall(w, iface, fn, [dev], 1).slice());
  got.apply();
  const shadow = got.call.args[0] as Obj;
  work(shadow);
  meanwhile();
  const r = k.decodeReply(u.encodeReply(w, iface, fn, got.call.args, 0, 1).slice(), fn, 1, [dev]);
  expect(r).to.deep.equal({ value: 0 });
}

describe('access sets: embedded structs and pointers along a path', () => {
  it('a path into an embedded struct writes back only that field, not the rest of the struct', () => {
    const dev = device();
    const st = dev['st'];
    upcall(
      'bump',
      dev,
      (d) => {
        (d['st'] as Obj)['rx'] = 6;
      },
      // The kernel counts a transmit while the u-driver runs: the reply must not undo it.
      () => ((dev['st'] as Obj)['tx'] = 8),
    );
    expect(dev['st']).to.deep.equal({ rx: 6, tx: 8, err: 9 });
    expect(dev['st']).to.equal(st); // updated in place
  });

  it('a path through nested embedded structs writes back only its leaf', () => {
    const dev = device();
    upcall(
      'deep',
      dev,
      (d) => {
        const o = d['o'] as Obj;
        // A shadow that had no copy takes the embedded value whole; only `a` will be merged back.
        expect(o['in']).to.deep.equal({ a: 10, b: 11 });
        (o['in'] as Obj)['a'] = 20;
        (o['in'] as Obj)['b'] = 99;
        o['c'] = 99;
      },
      () => {
        ((dev['o'] as Obj)['in'] as Obj)['b'] = 13;
        (dev['o'] as Obj)['c'] = 14;
      },
    );
    expect(dev['o']).to.deep.equal({ in: { a: 20, b: 13 }, c: 14 });
  });

  it('a shadow with a copy of an embedded struct takes only the fields the reads name', () => {
    const { k, u, w } = setup();
    const iface = k.interfaceNamed('ops');
    const bump = iface.functions.find((f) => f.name === 'bump')!;
    const dev = device();
    const first = u.decodeCall(k.encodeCall(w, iface, bump, [dev], 1).slice());
    first.apply();
    const shadow = first.call.args[0] as Obj;
    expect('m' in shadow).to.equal(false);
    (shadow['st'] as Obj)['tx'] = 70; // the u-driver's own use of a field it was not sent
    (dev['st'] as Obj)['rx'] = 50;
    (dev['st'] as Obj)['err'] = 90;
    const second = u.decodeCall(k.encodeCall(w, iface, bump, [dev], 2).slice());
    second.apply();
    expect(second.call.args[0]).to.equal(shadow);
    expect(shadow['st']).to.deep.equal({ rx: 50, tx: 70, err: 9 });
  });

  it('a path through an embedded struct follows its pointer, both ways', () => {
    const dev = device();
    const lk = (dev['m'] as Obj)['lk'] as Obj;
    upcall(
      'speed',
      dev,
      (d) => {
        const m = d['m'] as Obj;
        expect(m['lk']).to.deep.equal({ up: 1 });
        (m['lk'] as Obj)['speed'] = 1000;
        m['phy'] = 99; // not in writes
      },
      () => ((dev['m'] as Obj)['phy'] = 7),
    );
    expect(lk).to.deep.equal({ up: 1, speed: 1000 });
    expect(dev['m']).to.deep.equal({ phy: 7, reg: 2, lk });
  });

  it('a pointer a writes path passes through, not in the reads, is read with it and not written back as NULL', () => {
    const dev = device();
    const rt = dev['rt'];
    upcall('run', dev, (d) => {
      // The pointer arrives (an object none of whose fields were read), so the write can land.
      expect(d['rt']).to.deep.equal({});
      (d['rt'] as Obj)['pos'] = 41;
    });
    expect(dev['rt']).to.equal(rt);
    expect(rt).to.deep.equal({ state: 3, pos: 41 });
  });

  it('through a pointer the u-driver did read, the write lands in the object it points to', () => {
    const dev = device();
    const rt = dev['rt'] as Obj;
    upcall('run_read', dev, (d) => {
      (d['rt'] as Obj)['pos'] = 40;
    });
    expect(dev['rt']).to.equal(rt);
    expect(rt).to.deep.equal({ state: 3, pos: 40 });
  });

  it('a pointer named as well as passed through is written: the u-driver may attach a new object', () => {
    const dev = device();
    upcall('attach', dev, (d) => {
      d['rt'] = { pos: 99 };
    });
    expect(dev['rt']).to.deep.equal({ pos: 99 });
  });

  it('an embedded struct named whole crosses whole, even when a path also goes into it', () => {
    const dev = device();
    upcall(
      'whole',
      dev,
      (d) => {
        expect(d['st']).to.deep.equal({ rx: 5, tx: 7, err: 9 });
        (d['st'] as Obj)['err'] = 0;
      },
      () => ((dev['st'] as Obj)['tx'] = 8),
    );
    // Named whole, the u-driver's copy of the whole struct is what the IDL says comes back.
    expect(dev['st']).to.deep.equal({ rx: 5, tx: 7, err: 0 });
  });

  it('accessFields: a writes path through a pointer adds the pointer (alone) to the reads', () => {
    const { plan } = setup();
    const fn = plan.interfaces[0]!.functions.find((f) => f.name === 'run')!;
    const dev = plan.types.find((t) => t.name === 'dev')!;
    const rt = plan.types.find((t) => t.name === 'runtime')!;
    expect(dev.kind === 'struct' && dev.fields.map((f) => f.name)).to.deep.equal(['flags', 'st', 'm', 'rt', 'o']);
    // reads(d.flags) writes(d.rt.pos): the call carries flags and the pointer rt, none of rt's fields.
    expect(accessFields(plan.types, fn.reads, fn.params)).to.deep.equal([[dev.id, [0, 3]]]);
    expect(accessFields(plan.types, fn.writes, fn.params)).to.deep.equal([
      [dev.id, [3]],
      [rt.id, [1]],
    ]);
  });
});
