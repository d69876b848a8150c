// [container(T, a | b.c | ...)] through the TypeScript runtime: one kernel service serves several
// members of the driver's private struct (queue_delayed_work_on on watchdog_task, fifo_stall_task
// or phy_info_task). A TypeScript caller names the member by passing the embedded struct itself,
// whose owner and field the codec already tracks; it crosses as the adapter's id and the index of
// the member in the order written, and the receiver gets the same member of its own adapter. The
// sender refuses a struct that is none of the members of an adapter that crossed; the receiver
// refuses an index out of range, a NULL with an index, and an id that is not an adapter.
import { expect } from 'chai';
import { buildPlan } from '../../compiler/backends/ts/plan.js';
import { Codec } from '../../runtime/ts/codec.js';
import { ObjectTable } from '../../runtime/ts/object-table.js';
import type { Plan } from '../../runtime/ts/plan.js';
import { WireWriter } from '../../runtime/ts/wire-writer.js';
import { irOf } from '../helpers.js';
import { wireError } from './helpers.js';

type Obj = Record<string, unknown>;

const IDL = `
struct work_struct {
    u32 pending;
}
struct delayed_work {
    u64 expires;
    work_struct work;
}
struct holder {
    u32 tag;
}
struct adapter {
    u32 msg_enable;
    delayed_work watchdog_task;
    delayed_work fifo_stall_task;
    delayed_work phy_info_task;
    work_struct reset_task;
}
interface user_ops {
    upcall s32 probe(adapter *a, holder *h) reads(a.*, h.*) writes();
}
interface kernel_ops {
    downcall s32 queue_delayed_work_on(s32 cpu, [container(adapter, watchdog_task | fifo_stall_task | phy_info_task)] delayed_work *work, u64 delay) reads() writes();
    downcall s32 cancel_work_sync([ref, container(adapter, reset_task | watchdog_task.work | phy_info_task.work)] work_struct *work) reads() writes();
}
`;

const MEMBERS = ['watchdog_task', 'fifo_stall_task', 'phy_info_task'];

function adapter(n: number): Obj {
  const dw = (k: number): Obj => ({ expires: BigInt(1000 + k), work: { pending: k } });
  return { msg_enable: n, watchdog_task: dw(1), fifo_stall_task: dw(2), phy_info_task: dw(3), reset_task: { pending: 4 } };
}

function typeId(plan: Plan, name: string): number {
  return plan.types.find((t) => t.name === name)!.id;
}

/** The cpu argument, which marks where the container pointer starts: right after it. */
const CPU = 0x5a5a5a5a;

/** Where the container pointer's id sits in a queue_delayed_work_on call. */
function idAt(bytes: Uint8Array): number {
  return offsetOf(bytes, CPU) + 4;
}

/** Where the u32 `value` sits in the message after the header (it must sit there once). */
function offsetOf(bytes: Uint8Array, value: number): number {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const hits: number[] = [];
  for (let i = 32; i + 4 <= bytes.length; i += 4) if (view.getUint32(i, true) === value) hits.push(i);
  expect(hits, `the message carries ${value} once`).to.have.length(1);
  return hits[0]!;
}

function withU32(bytes: Uint8Array, at: number, value: number): Uint8Array {
  const out = bytes.slice();
  new DataView(out.buffer).setUint32(at, value, true);
  return out;
}

describe('runtime: a container pointer to one of several members', () => {
  const plan = buildPlan(irOf(IDL), 't', 1);
  const w = new WireWriter(new ArrayBuffer(1 << 16));
  const adapterId = typeId(plan, 'adapter');

  /** The kernel's adapter, probed into the u-driver: both codecs and both adapters. */
  function probed(): { k: Codec; u: Codec; ka: Obj; ua: Obj; kh: Obj } {
    const k = new Codec(plan, new ObjectTable('kernel'));
    const u = new Codec(plan, new ObjectTable('user'));
    const up = k.interfaceNamed('user_ops');
    const ka = adapter(7);
    const kh = { tag: 9 };
    const probe = u.decodeCall(k.encodeCall(w, up, up.functions[0]!, [ka, kh], 1).slice());
    probe.apply();
    return { k, u, ka, ua: probe.call.args[0] as Obj, kh };
  }

  function down(u: Codec, name: string, args: unknown[]): Uint8Array {
    const iface = u.interfaceNamed('kernel_ops');
    return u.encodeCall(w, iface, iface.functions.find((f) => f.name === name)!, args, 5).slice();
  }

  it('plans every member path in the order written, the first as the path', () => {
    const fns = plan.interfaces.find((i) => i.name === 'kernel_ops')!.functions;
    expect(fns[0]!.params[1]!.value).to.deep.equal({ k: 'container', type: adapterId, path: [1], alts: [[1], [2], [3]], nonNull: false });
    expect(fns[1]!.params[0]!.value).to.deep.equal({ k: 'container', type: adapterId, path: [4], alts: [[4], [1, 1], [3, 1]], nonNull: true });
  });

  it('arrives as the same member of the receiver\'s own adapter, for each member, with its index on the wire', () => {
    const { k, u, ka, ua } = probed();
    MEMBERS.forEach((member, i) => {
      const msg = down(u, 'queue_delayed_work_on', [CPU, ua[member], 100n + BigInt(i)]);
      const view = new DataView(msg.buffer);
      const at = idAt(msg);
      expect(view.getUint32(at, true), 'the adapter\'s id').to.equal(u.tables.idOf(ua, adapterId));
      expect(view.getUint32(at + 4, true), `${member}'s index follows the adapter's id`).to.equal(i);
      const got = k.decodeCall(msg);
      got.apply();
      expect(got.call.args[1], `the kernel's own ka.${member}`).to.equal(ka[member]);
      expect(got.call.args[2]).to.equal(100n + BigInt(i));
    });
    // Members of members: a work_struct inside one of the delayed works.
    [['reset_task'], ['watchdog_task', 'work'], ['phy_info_task', 'work']].forEach((path) => {
      const pick = (o: Obj): unknown => path.reduce<unknown>((x, f) => (x as Obj)[f], o);
      const got = k.decodeCall(down(u, 'cancel_work_sync', [pick(ua)]));
      got.apply();
      expect(got.call.args[0], `the kernel's own ka.${path.join('.')}`).to.equal(pick(ka));
    });
    const none = k.decodeCall(down(u, 'queue_delayed_work_on', [CPU, null, 1n]));
    expect(none.call.args[1], 'NULL stays NULL').to.equal(null);
  });

  it('is refused by the sender when the struct is none of the members of an adapter that crossed', () => {
    const { u, ua } = probed();
    const send = (x: unknown): Error => wireError(() => down(u, 'queue_delayed_work_on', [CPU, x, 1n]));
    expect(send({ expires: 1n, work: { pending: 0 } }).message).to.match(/none of the declared members of an object that crossed/);
    expect(send(adapter(8)['watchdog_task']).message, 'a member of an adapter that never crossed').to.match(/none of the declared members/);
    expect(wireError(() => down(u, 'cancel_work_sync', [(ua['fifo_stall_task'] as Obj)['work']])).message, 'a work_struct, but not a listed one').to.match(/none of the declared members/);
  });

  it('is refused by the receiver with an index out of range, a NULL with an index, or an id that is not an adapter', () => {
    const { k, u, ua, kh } = probed();
    const msg = down(u, 'queue_delayed_work_on', [CPU, ua['phy_info_task'], 1n]);
    const uaId = u.tables.idOf(ua, adapterId);
    const at = idAt(msg);
    expect(new DataView(msg.buffer).getUint32(at, true)).to.equal(uaId);
    expect(wireError(() => k.decodeCall(withU32(msg, at + 4, 3))).message).to.match(/container member index 3 of 3/);
    expect(wireError(() => k.decodeCall(withU32(msg, at + 4, 0xffffffff))).message).to.match(/container member index 4294967295 of 3/);
    const nullMsg = down(u, 'queue_delayed_work_on', [CPU, null, 1n]);
    // NULL crosses as id 0 and index 0.
    const view = new DataView(nullMsg.buffer);
    const nullAt = idAt(nullMsg);
    expect([view.getUint32(nullAt, true), view.getUint32(nullAt + 4, true)]).to.deep.equal([0, 0]);
    expect(wireError(() => k.decodeCall(withU32(nullMsg, nullAt + 4, 1))).message).to.match(/NULL container pointer with member index 1/);
    const khId = k.tables.idOf(kh, typeId(plan, 'holder'));
    expect(wireError(() => k.decodeCall(withU32(msg, at, khId))).message, 'the holder\'s id').to.match(/mistyped id .*an object of type/);
    expect(wireError(() => k.decodeCall(withU32(msg, at, (uaId + 0x100) >>> 0))).message, 'an adapter id the kernel never issued').to.match(/forged object id .*: the kernel side never issued it/);
    const ok = k.decodeCall(msg);
    ok.apply();
    expect(ok.call.args[1], 'the message as sent still decodes').to.be.an('object');
  });
});
