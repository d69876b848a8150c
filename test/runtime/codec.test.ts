// The codec between a kernel-side and a user-side table, driven by plans the ts backend builds
// from real IDL: what the access sets select crosses, identity and cycles survive, written fields
// come back into the live objects, and hostile bytes change nothing.
import { expect } from 'chai';
import fc from 'fast-check';
import { buildPlan } from '../../compiler/backends/ts/plan.js';
import { Codec } from '../../runtime/ts/codec.js';
import { MdidlError, WireError } from '../../runtime/ts/errors.js';
import { ObjectTable } from '../../runtime/ts/object-table.js';
import type { Plan } from '../../runtime/ts/plan.js';
import { WireWriter } from '../../runtime/ts/wire-writer.js';
import { irOf } from '../helpers.js';

type Obj = Record<string, unknown>;

function pair(plan: Plan): { k: Codec; u: Codec; kt: ObjectTable; ut: ObjectTable; w: WireWriter } {
  const kt = new ObjectTable('kernel');
  const ut = new ObjectTable('user');
  return { k: new Codec(plan, kt), u: new Codec(plan, ut), kt, ut, w: new WireWriter(new ArrayBuffer(1 << 16)) };
}

function planOf(body: string): Plan {
  return buildPlan(irOf(body), 't', 1);
}

const NIC = `
struct priv { u32 rx_count; [count(rx_count)] u8 *rx_buf; [string, max(16)] char *fw; [skip] u32 lock; }
struct net_device { [string] char name[16]; u32 flags; u32 mtu; priv *priv; }
interface net_device_ops {
    upcall s32 ndo_open(net_device *dev) reads(dev.flags, dev.name, dev.priv.*) writes(dev.flags, dev.mtu);
}
`;

describe('codec: calls and replies between the two tables', () => {
  it('checks a count or discriminant that comes after what it describes once everything arrived', () => {
    const plan = planOf(`
      enum k : u8 { A = 1, B = 2 }
      union u switch (k) { case A: u32 a; case B: u64 b; }
      struct blob { [count(n), max(8)] u8 *buf; u32 n; [switch(kd)] u v; k kd; }
      interface ops {
          downcall s32 raw([count(n), max(64)] const u8 *data, u32 n);
          downcall s32 put(blob *b) reads(b.*) writes();
      }`);
    const { k, u, w } = pair(plan);
    const ops = u.interfaceNamed('ops');
    const raw = ops.functions.find((f) => f.name === 'raw')!;
    const ok = u.encodeCall(w, ops, raw, [Uint8Array.from([1, 2]), 2], 1).slice();
    const got = k.decodeCall(ok);
    expect(got.call.args[1]).to.equal(2);
    got.discard();
    // n sits after the array: count at 32, padding to 40, two bytes, padding to 44.
    const lying = ok.slice();
    lying[44] = 0x40;
    expect(() => k.decodeCall(lying)).to.throw(WireError, /count says 64/);
    const put = ops.functions.find((f) => f.name === 'put')!;
    const b: Obj = { buf: Uint8Array.from([1, 2, 3]), n: 3, v: { arm: 'b', value: 7n }, kd: 2 };
    const staged = k.decodeCall(u.encodeCall(w, ops, put, [b], 2).slice());
    staged.apply();
    const shadow = staged.call.args[0] as Obj;
    expect([shadow['n'], shadow['kd'], shadow['v']]).to.deep.equal([3, 2, { arm: 'b', value: 7n }]);
  });


  it('moves a counted void * as the bytes it counts, in a parameter and in a field', () => {
    const plan = planOf(`
      struct frame { u32 len; [count(len)] void *data; }
      interface ops {
          downcall s32 dev_addr_mod(u32 offset, [count(len)] const void *addr, ulong len);
          downcall s32 put(frame *f) reads(f.*) writes();
      }`);
    const { k, u, w } = pair(plan);
    const ops = u.interfaceNamed('ops');
    const mod = ops.functions.find((f) => f.name === 'dev_addr_mod')!;
    const mac = Uint8Array.from([0x52, 0x54, 0x00, 0xa1, 0xb2, 0xc3]);
    const got = k.decodeCall(u.encodeCall(w, ops, mod, [0, mac, 6n], 1).slice());
    expect(got.call.args[1]).to.be.instanceOf(Uint8Array);
    expect(Array.from(got.call.args[1] as Uint8Array)).to.deep.equal(Array.from(mac));
    got.discard();
    expect(() => k.decodeCall(u.encodeCall(w, ops, mod, [0, mac, 7n], 2).slice())).to.throw(WireError, /counted array of 6 elements where its count says 7/);
    const put = ops.functions.find((f) => f.name === 'put')!;
    const staged = k.decodeCall(u.encodeCall(w, ops, put, [{ len: 3, data: Uint8Array.from([1, 0xfe, 0xff]) }], 3).slice());
    staged.apply();
    const shadow = staged.call.args[0] as Obj;
    expect(shadow['len']).to.equal(3);
    expect(Array.from(shadow['data'] as Uint8Array)).to.deep.equal([1, 0xfe, 0xff]);
  });

  it('sends exactly the selected fields, and brings the written ones back into the live object', () => {
    const plan = planOf(NIC);
    const { k, u, w } = pair(plan);
    const iface = k.interfaceNamed('net_device_ops');
    const fn = iface.functions[0]!;
    const priv: Obj = { rx_count: 3, rx_buf: Uint8Array.from([1, 2, 3]), fw: 'fw-1.0', lock: 99 };
    const dev: Obj = { name: 'eth0', flags: 0x1003, mtu: 1500, priv };

    const call = k.encodeCall(w, iface, fn, [dev], 7);
    const got = u.decodeCall(call.slice());
    got.apply();
    const shadow = got.call.args[0] as Obj;
    expect(shadow).to.not.equal(dev);
    expect(shadow['flags']).to.equal(0x1003);
    expect(shadow['name']).to.equal('eth0');
    expect('mtu' in shadow).to.equal(false); // not in reads
    const sp = shadow['priv'] as Obj;
    expect(sp['rx_count']).to.equal(3);
    expect(Array.from(sp['rx_buf'] as Uint8Array)).to.deep.equal([1, 2, 3]);
    expect(sp['fw']).to.equal('fw-1.0');
    expect('lock' in sp).to.equal(false); // [skip]

    // The u-driver's ndo_open changes the device, then replies.
    shadow['flags'] = 0x1043;
    shadow['mtu'] = 9000;
    shadow['name'] = 'changed'; // not in writes: must not come back
    const reply = u.encodeReply(w, iface, fn, got.call.args, 0, 7);
    const r = k.decodeReply(reply.slice(), fn, 7, [dev]);
    expect(r).to.deep.equal({ value: 0 });
    expect(dev['flags']).to.equal(0x1043);
    expect(dev['mtu']).to.equal(9000);
    expect(dev['name']).to.equal('eth0');
  });

  it('keeps identity across calls: the same live object maps to the same shadow', () => {
    const plan = planOf(NIC);
    const { k, u, w } = pair(plan);
    const iface = k.interfaceNamed('net_device_ops');
    const fn = iface.functions[0]!;
    const dev: Obj = { name: 'eth0', flags: 1, mtu: 1500, priv: null };
    const a = u.decodeCall(k.encodeCall(w, iface, fn, [dev], 1).slice());
    a.apply();
    dev['flags'] = 2;
    const b = u.decodeCall(k.encodeCall(w, iface, fn, [dev], 2).slice());
    b.apply();
    expect(b.call.args[0]).to.equal(a.call.args[0]);
    expect((b.call.args[0] as Obj)['flags']).to.equal(2);
  });

  it('moves graphs with aliasing and cycles and gets the same graph back', () => {
    const plan = planOf(`
struct node { u32 v; node *next; node *other; }
interface g { downcall void walk(node *head); }`);
    const { k, u, w } = pair(plan);
    const iface = u.interfaceNamed('g');
    const fn = iface.functions[0]!;
    // Built on the user side, sent down to the kernel (a downcall).
    const a: Obj = { v: 1, next: null, other: null };
    const b: Obj = { v: 2, next: null, other: a };
    const c: Obj = { v: 3, next: a, other: b };
    a['next'] = b;
    b['next'] = c;
    a['other'] = c;
    const got = k.decodeCall(u.encodeCall(w, iface, fn, [a], 1).slice());
    got.apply();
    const ka = got.call.args[0] as Obj;
    const kb = ka['next'] as Obj;
    const kc = kb['next'] as Obj;
    expect([ka['v'], kb['v'], kc['v']]).to.deep.equal([1, 2, 3]);
    expect(kc['next']).to.equal(ka);
    expect(ka['other']).to.equal(kc);
    expect(kb['other']).to.equal(ka);
    expect(kc['other']).to.equal(kb);
  });

  it('carries unions by discriminant, out boxes and counted out buffers, handles and callbacks', () => {
    const plan = planOf(`
struct pci_dev;
enum kind : u8 { RESET = 1, MAC = 2 }
union arg switch (kind) { case RESET: u32 flags; case MAC: u8 mac[6]; }
struct cmd { kind k; [switch(k)] arg a; }
callback s32 handler_t(s32 irq);
interface k {
    downcall s32 run(cmd *c, [opaque] pci_dev *pdev, handler_t h, [out] u32 *status, u32 len, [out, count(len)] u8 *buf) reads(c.*) writes();
}`);
    const { k, u, w, ut } = pair(plan);
    const iface = u.interfaceNamed('k');
    const fn = iface.functions[0]!;
    const c: Obj = { k: 2, a: { arm: 'mac', value: Uint8Array.from([1, 2, 3, 4, 5, 6]) } };
    const pdev = { secret: 'user-side device' };
    const handler = (irq: number): number => irq + 1;
    const status = { value: 0 };
    const buf = new Uint8Array(4);
    const args: unknown[] = [c, pdev, handler, status, 4, buf];
    const got = k.decodeCall(u.encodeCall(w, iface, fn, args, 5).slice());
    got.apply();
    const [kc, kpdev, kh, kstatus, klen, kbuf] = got.call.args as [Obj, unknown, unknown, { value: number }, number, Uint8Array];
    expect(kc['k']).to.equal(2);
    expect((kc['a'] as { arm: string }).arm).to.equal('mac');
    expect(Array.from((kc['a'] as { value: Uint8Array }).value)).to.deep.equal([1, 2, 3, 4, 5, 6]);
    expect(kpdev).to.not.equal(pdev);
    expect(JSON.stringify(kpdev)).to.not.contain('secret');
    expect(typeof kh).to.equal('function');
    expect(klen).to.equal(4);
    // The kernel fills the out parameters and replies.
    kstatus.value = 0x55;
    kbuf.set([9, 8, 7, 6]);
    const reply = k.encodeReply(w, iface, fn, got.call.args, 0, 5);
    expect(u.decodeReply(reply.slice(), fn, 5, args)).to.deep.equal({ value: 0 });
    expect(status.value).to.equal(0x55);
    expect(Array.from(buf)).to.deep.equal([9, 8, 7, 6]);
    // The handle the kernel holds goes back up as the same user-side value.
    expect(ut.handles.valueOf(ut.handles.handleOf(pdev, plan.types.find((t) => t.name === 'pci_dev')!.id), plan.types.find((t) => t.name === 'pci_dev')!.id)).to.equal(pdev);
  });

  it('rejects a union arm that contradicts its discriminant', () => {
    const plan = planOf(`
union arg switch (u8) { case 1: u32 flags; case 2: u8 mac[6]; }
struct cmd { u8 k; [switch(k)] arg a; }
interface k { downcall void run(cmd *c) reads(c.*) writes(); }`);
    const { k, u, w } = pair(plan);
    const iface = u.interfaceNamed('k');
    const fn = iface.functions[0]!;
    const bytes = u.encodeCall(w, iface, fn, [{ k: 1, a: { arm: 'mac', value: new Uint8Array(6) } }], 1).slice();
    expect(() => k.decodeCall(bytes)).to.throw(WireError, /does not match discriminant 1/);
  });

  it('an error reply comes back as errno and message', () => {
    const plan = planOf(NIC);
    const { k, u, w } = pair(plan);
    const iface = k.interfaceNamed('net_device_ops');
    const fn = iface.functions[0]!;
    const bytes = u.encodeError(w, iface, fn, 3, 71, 'bad message').slice();
    expect(k.decodeReply(bytes, fn, 3, [null])).to.deep.equal({ errno: 71, message: 'bad message' });
  });
});

describe('codec: hostile bytes', () => {
  const plan = planOf(NIC);

  it('a forged id of the receiver side is rejected and nothing changes', () => {
    const { k, u, w, ut } = pair(plan);
    const iface = k.interfaceNamed('net_device_ops');
    const fn = iface.functions[0]!;
    const dev: Obj = { name: 'eth0', flags: 1, mtu: 1, priv: null };
    const bytes = k.encodeCall(w, iface, fn, [dev], 1).slice();
    // The first object id (at 32): make it claim to be a user-side object the user never issued.
    new DataView(bytes.buffer).setUint32(32, 0x80000077, true);
    const before = ut.entries().length;
    expect(() => u.decodeCall(bytes)).to.throw(WireError);
    expect(ut.entries().length).to.equal(before);
  });

  it('random mutations of a valid call only ever give WireError, and leave tables and live objects as they were', () => {
    const { k, w } = pair(plan);
    const iface = k.interfaceNamed('net_device_ops');
    const fn = iface.functions[0]!;
    const priv: Obj = { rx_count: 2, rx_buf: Uint8Array.from([5, 6]), fw: 'x', lock: 0 };
    const dev: Obj = { name: 'eth0', flags: 3, mtu: 1500, priv };
    const valid = k.encodeCall(w, iface, fn, [dev], 9).slice();
    // The receiving side already holds a shadow from an earlier, good call.
    const ut = new ObjectTable('user');
    const u = new Codec(plan, ut);
    const first = u.decodeCall(valid.slice());
    first.apply();
    const shadow = first.call.args[0] as Obj;
    const snapshot = JSON.stringify(shadow, (_k, v) => (v instanceof Uint8Array ? Array.from(v) : v));
    const entries = ut.entries().length;
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(valid.length - 1), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 }), (edits) => {
        const bytes = valid.slice();
        for (const [at, b] of edits) bytes[at] = b;
        try {
          u.decodeCall(bytes).discard();
        } catch (e) {
          if (!(e instanceof MdidlError)) throw e;
        }
        expect(JSON.stringify(shadow, (_k, v) => (v instanceof Uint8Array ? Array.from(v) : v))).to.equal(snapshot);
        expect(ut.entries().length).to.equal(entries);
      }),
      { numRuns: 400, seed: 7 },
    );
  });

  it('truncated messages are rejected', () => {
    const { k, u, w } = pair(plan);
    const iface = k.interfaceNamed('net_device_ops');
    const fn = iface.functions[0]!;
    const valid = k.encodeCall(w, iface, fn, [{ name: 'e', flags: 1, mtu: 1, priv: null }], 1).slice();
    for (let n = 0; n < valid.length; n += 5) expect(() => u.decodeCall(valid.slice(0, n))).to.throw(MdidlError);
  });
});
