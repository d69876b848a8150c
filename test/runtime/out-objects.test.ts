// An [out] T ** hands back a tracked object (docs/idl.md 6.11): the reply carries the object's id
// and, as its writes say, its fields, so the caller gets the callee's object itself (a shadow of
// it, the same one each time), not a copy that stands for nothing.
import { expect } from 'chai';
import { buildPlan } from '../../compiler/backends/ts/plan.js';
import { Codec } from '../../runtime/ts/codec.js';
import { ObjectTable } from '../../runtime/ts/object-table.js';
import type { Plan, PlanFunction, PlanInterface } from '../../runtime/ts/plan.js';
import type { Box } from '../../runtime/ts/values.js';
import { WireWriter } from '../../runtime/ts/wire-writer.js';
import { irOf } from '../helpers.js';

const IDL = `
struct priv { u32 flags; u32 mtu; }
struct net_device { u32 ifindex; priv *priv; }
interface drv {
    downcall s32 lookup(u32 id, [out] priv **found) writes(found.*);
    downcall s32 peek(u32 id, [out] priv **found) writes(found.flags);
}
`;

const plan: Plan = buildPlan(irOf(IDL), 't', 1);
const iface: PlanInterface = plan.interfaces[0]!;
const fn = (name: string): PlanFunction => iface.functions.find((f) => f.name === name)!;

for (const generate of [true, false]) {
  describe(`[out] T ** hands back a tracked object (${generate ? 'generated' : 'interpreted'} argument code)`, () => {
    const setup = () => {
      const k = new Codec(plan, new ObjectTable('kernel'), undefined, undefined, { generate });
      const u = new Codec(plan, new ObjectTable('user'), undefined, undefined, { generate });
      const w = new WireWriter(new ArrayBuffer(1 << 16));
      const privs = [{ flags: 3, mtu: 1500 }, { flags: 5, mtu: 9000 }];
      // The kernel's side of a call from the user side: decode, point the box at its object, reply.
      const serve = (name: string, id: number, callId: number): Uint8Array => {
        const found: Box<unknown> = { value: null };
        const call = u.encodeCall(w, iface, fn(name), [id, found], callId).slice();
        const got = k.decodeCall(call);
        got.apply();
        const box = got.call.args[1] as Box<unknown>;
        expect(box.value).to.equal(null);
        box.value = privs[id]!;
        return k.encodeReply(w, iface, fn(name), got.call.args, 0, callId).slice();
      };
      const ask = (name: string, id: number, callId: number): Record<string, unknown> => {
        const found: Box<unknown> = { value: null };
        const reply = serve(name, id, callId);
        expect(u.decodeReply(reply, fn(name), callId, [id, found])).to.deep.equal({ value: 0 });
        return found.value as Record<string, unknown>;
      };
      return { privs, ask };
    };

    it('the caller gets the object with the fields its writes name, and the same object every time', () => {
      const { privs, ask } = setup();
      const a = ask('lookup', 0, 1);
      expect(a).to.deep.include({ flags: 3, mtu: 1500 });
      const b = ask('lookup', 1, 2);
      expect(b).to.deep.include({ flags: 5, mtu: 9000 });
      expect(ask('lookup', 0, 3)).to.equal(a);
      expect(b).to.not.equal(a);
      // A change on the kernel's side reaches the same shadow with the next answer.
      privs[0]!.mtu = 576;
      expect(ask('lookup', 0, 4)).to.equal(a);
      expect(a.mtu).to.equal(576);
    });

    it('a field outside the writes does not cross', () => {
      const { ask } = setup();
      const p = ask('peek', 1, 1);
      expect(p.flags).to.equal(5);
      expect(p.mtu).to.not.equal(9000);
    });
  });
}
