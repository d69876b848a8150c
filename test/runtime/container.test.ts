// [container(T, a.b)] through the TypeScript runtime: a pointer to a member nested in embedded
// structs (e1000's &adapter->watchdog_task.work) crosses as its adapter's id, and the receiver
// finds the member by walking the path in its own copy of the adapter, so the pointer it gets is
// that copy's embedded struct itself. A sender refuses a struct that is not that member of an
// adapter that crossed; a receiver refuses an id that is not an adapter it holds the member of.
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
struct timer_list {
    u64 expires;
    u32 flags;
}
struct delayed_work {
    timer_list timer;
    work_struct work;
    u32 cpu;
}
struct holder {
    u32 tag;
    delayed_work dw;
}
struct adapter {
    u32 msg_enable;
    work_struct reset_task;
    delayed_work watchdog_task;
    holder deep;
}
interface user_ops {
    upcall s32 probe(adapter *a, holder *h) reads(a.*, h.tag) writes();
    upcall s32 watchdog([container(adapter, watchdog_task.work)] work_struct *work) reads() writes();
    upcall s32 deep_work([ref, container(adapter, deep.dw.work)] work_struct *work) reads() writes();
    upcall s32 tick(adapter *a, [container(adapter, watchdog_task.work)] work_struct *work) reads(a.watchdog_task.cpu) writes();
}
interface kernel_ops {
    downcall s32 schedule([container(adapter, watchdog_task.work)] work_struct *work, u32 delay) reads() writes();
}
`;

function delayed(cpu: number): Obj {
  return { timer: { expires: 1000n + BigInt(cpu), flags: 0 }, work: { pending: cpu }, cpu };
}

function adapter(n: number): Obj {
  return { msg_enable: n, reset_task: { pending: 0 }, watchdog_task: delayed(n), deep: { tag: n, dw: delayed(n + 1) } };
}

function typeId(plan: Plan, name: string): number {
  return plan.types.find((t) => t.name === name)!.id;
}

/** The message with the one u32 `from` after the header replaced by `to`. */
function forged(bytes: Uint8Array, from: number, to: number): Uint8Array {
  const out = bytes.slice();
  const view = new DataView(out.buffer);
  const hits: number[] = [];
  for (let i = 32; i + 4 <= out.length; i += 4) if (view.getUint32(i, true) === from) hits.push(i);
  expect(hits, 'the message carries the id once').to.have.length(1);
  view.setUint32(hits[0]!, to, true);
  return out;
}

describe('runtime: a container pointer to a member inside embedded structs', () => {
  const plan = buildPlan(irOf(IDL), 't', 1);
  const w = new WireWriter(new ArrayBuffer(1 << 16));

  function pair(): { k: Codec; u: Codec; call: (fn: string, args: unknown[]) => { args: unknown[]; apply: () => void } } {
    const k = new Codec(plan, new ObjectTable('kernel'));
    const u = new Codec(plan, new ObjectTable('user'));
    const iface = k.interfaceNamed('user_ops');
    let id = 0;
    const call = (name: string, args: unknown[]): { args: unknown[]; apply: () => void } => {
      const fn = iface.functions.find((f) => f.name === name)!;
      const got = u.decodeCall(k.encodeCall(w, iface, fn, args, ++id).slice());
      return { args: got.call.args, apply: () => got.apply() };
    };
    return { k, u, call };
  }

  it('plans the path as field indexes from the adapter down', () => {
    const fn = plan.interfaces.find((i) => i.name === 'user_ops')!.functions.find((f) => f.name === 'deep_work')!;
    expect(fn.params[0]!.value).to.deep.equal({ k: 'container', type: typeId(plan, 'adapter'), path: [3, 1, 1], nonNull: true });
  });

  it('arrives as the member of the receiver\'s own adapter, both ways, one and two structs deep', () => {
    const { k, u, call } = pair();
    const ka = adapter(7);
    const kh = { tag: 9, dw: delayed(9) };
    const probe = call('probe', [ka, kh]);
    probe.apply();
    const ua = probe.args[0] as Obj;
    expect(ua['msg_enable']).to.equal(7);
    const uwd = ua['watchdog_task'] as Obj;

    const wd = call('watchdog', [(ka['watchdog_task'] as Obj)['work']]);
    wd.apply();
    expect(wd.args[0], 'the u-driver\'s adapter\'s watchdog_task.work itself').to.equal(uwd['work']);

    const deep = call('deep_work', [((ka['deep'] as Obj)['dw'] as Obj)['work']]);
    deep.apply();
    expect(deep.args[0], 'the u-driver\'s adapter\'s deep.dw.work itself').to.equal(((ua['deep'] as Obj)['dw'] as Obj)['work']);

    const none = call('watchdog', [null]);
    expect(none.args[0]).to.equal(null);

    // Down: the u-driver's pointer into its adapter arrives as the same member of the kernel's.
    const kiface = u.interfaceNamed('kernel_ops');
    const schedule = kiface.functions.find((f) => f.name === 'schedule')!;
    const down = k.decodeCall(u.encodeCall(w, kiface, schedule, [uwd['work'], 250], 99).slice());
    down.apply();
    expect(down.call.args[0], 'the kernel\'s own ka.watchdog_task.work').to.equal((ka['watchdog_task'] as Obj)['work']);
    expect(down.call.args[1]).to.equal(250);
  });

  it('is the live member when the message also updates the struct around it, and the staged one on first sight', () => {
    const { call } = pair();
    const ka = adapter(3);
    const first = call('tick', [ka, (ka['watchdog_task'] as Obj)['work']]);
    first.apply();
    const ua = first.args[0] as Obj;
    const uwd = ua['watchdog_task'] as Obj;
    expect(uwd['cpu']).to.equal(3);
    expect(first.args[1], 'a new adapter: the staged struct became live whole').to.equal(uwd['work']);

    (ka['watchdog_task'] as Obj)['cpu'] = 4;
    const again = call('tick', [ka, (ka['watchdog_task'] as Obj)['work']]);
    again.apply();
    expect(again.args[0]).to.equal(ua);
    expect(ua['watchdog_task'], 'merged in place').to.equal(uwd);
    expect(uwd['cpu']).to.equal(4);
    expect(again.args[1], 'the live member, not the copy the message staged').to.equal(uwd['work']);
  });

  it('is refused by the sender when the struct is not that member of an adapter that crossed', () => {
    const { k, call } = pair();
    const ka = adapter(1);
    call('probe', [ka, { tag: 1, dw: delayed(1) }]).apply();
    const iface = k.interfaceNamed('user_ops');
    const watchdog = iface.functions.find((f) => f.name === 'watchdog')!;
    const send = (x: unknown): Error => wireError(() => k.encodeCall(w, iface, watchdog, [x], 1));
    expect(send({ pending: 0 }).message).to.match(/not the declared member of an object that crossed/);
    expect(send(ka['reset_task']).message, 'a work_struct, but another member').to.match(/not the declared member/);
    expect(send(((ka['deep'] as Obj)['dw'] as Obj)['work']).message, 'work in a delayed_work, but not watchdog_task\'s').to.match(/not the declared member/);
  });

  it('is refused by the receiver when the id is not an adapter whose member it holds', () => {
    const { k, u, call } = pair();
    const ka = adapter(5);
    const kh = { tag: 5, dw: delayed(5) };
    call('probe', [ka, kh]).apply();
    const iface = k.interfaceNamed('user_ops');
    const watchdog = iface.functions.find((f) => f.name === 'watchdog')!;
    const msg = k.encodeCall(w, iface, watchdog, [(ka['watchdog_task'] as Obj)['work']], 2).slice();
    const kaId = k.tables.idOf(ka, typeId(plan, 'adapter'));
    const khId = k.tables.idOf(kh, typeId(plan, 'holder'));
    const ownId = u.tables.idOf({}, typeId(plan, 'adapter'));
    const e1 = wireError(() => u.decodeCall(forged(msg, kaId, khId)));
    expect(e1.message, 'the holder\'s id').to.match(/mistyped id .*an object of type/);
    const e2 = wireError(() => u.decodeCall(forged(msg, kaId, kaId + 0x100)));
    expect(e2.message, 'an adapter the u-driver never received').to.match(/container pointer into adapter\.watchdog_task\.work, which this side does not hold/);
    const e3 = wireError(() => u.decodeCall(forged(msg, kaId, (ownId + 0x100) >>> 0)));
    expect(e3.message, 'an id of the u-driver\'s side it never issued').to.match(/forged object id .*: the user side never issued it/);
    const ok = u.decodeCall(msg);
    ok.apply();
    expect(ok.call.args[0], 'the message as sent still decodes').to.be.an('object');
  });

  it('a container parameter\'s access set is rooted at its adapter: what the callee reads of the member crosses as the adapter\'s, into the receiver\'s own', () => {
    const idl = `
struct hw {
    u32 regs;
    u32 mac_type;
    u32 unread;
}
struct adapter {
    u32 msg_enable;
    hw hw;
}
interface user_ops {
    upcall s32 probe(adapter *a) reads(a.*) writes();
}
interface kernel_ops {
    downcall s32 read_phy([container(adapter, hw)] hw *h, u32 reg) reads(h.regs, h.mac_type) writes(h.regs);
}
`;
    const p = buildPlan(irOf(idl), 'h', 1);
    const fnPlan = p.interfaces.find((i) => i.name === 'kernel_ops')!.functions.find((f) => f.name === 'read_phy')!;
    // The reads select adapter.hw (through it), and in it regs and mac_type.
    expect(fnPlan.reads).to.deep.equal([[0, { all: 0, fields: [[1, { all: 0, fields: [[0, null], [1, null]] }, 1]] }]]);
    const k = new Codec(p, new ObjectTable('kernel'));
    const u = new Codec(p, new ObjectTable('user'));
    const up = k.interfaceNamed('user_ops');
    const ka: Obj = { msg_enable: 1, hw: { regs: 10, mac_type: 2, unread: 5 } };
    const probe = u.decodeCall(k.encodeCall(w, up, up.functions[0]!, [ka], 1).slice());
    probe.apply();
    const ua = probe.call.args[0] as Obj;
    // The u-driver changes its copy; the downcall brings what the callee reads, not the rest.
    (ua['hw'] as Obj)['regs'] = 11;
    (ua['hw'] as Obj)['mac_type'] = 3;
    (ua['hw'] as Obj)['unread'] = 6;
    const down = u.interfaceNamed('kernel_ops');
    const got = k.decodeCall(u.encodeCall(w, down, down.functions[0]!, [ua['hw'], 4], 2).slice());
    got.apply();
    expect(got.call.args[0], 'the kernel\'s own ka.hw').to.equal(ka['hw']);
    expect(ka['hw']).to.deep.equal({ regs: 11, mac_type: 3, unread: 5 });
  });
});
