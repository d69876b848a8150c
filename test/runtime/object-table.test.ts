import { expect } from 'chai';
import { WireError } from '../../runtime/ts/errors.js';
import { formatId, homeOf, makeId, ObjectTable, PeerHandle, serialOf } from '../../runtime/ts/object-table.js';
import { wireError } from './helpers.js';

const DEV = 0x101;
const PRIV = 0x202;
const IRQ_HANDLER = 0x303;

const u = (serial: number) => makeId('user', serial);
const k = (serial: number) => makeId('kernel', serial);

describe('runtime: ObjectTable', () => {
  it('ids carry the home side in bit 31 and a 31-bit serial', () => {
    expect(k(1)).to.equal(1);
    expect(u(1)).to.equal(0x80000001);
    expect(homeOf(0x80000001)).to.equal('user');
    expect(homeOf(0x7fffffff)).to.equal('kernel');
    expect(serialOf(0x80000005)).to.equal(5);
    expect(formatId(0x80000001)).to.equal('0x80000001');
  });

  describe('local objects', () => {
    it('issues ids of its own side from serial 1, and keeps identity', () => {
      const t = new ObjectTable('kernel');
      const a = {};
      const b = {};
      expect(t.idOf(a, DEV)).to.equal(1);
      expect(t.idOf(b, DEV)).to.equal(2);
      expect(t.idOf(a, DEV)).to.equal(1);
      expect(t.get(1, DEV)).to.equal(a);
      expect(t.size).to.equal(2);
      const user = new ObjectTable('user');
      expect(user.idOf(a, DEV)).to.equal(0x80000001);
      expect(user.isOwn(0x80000001)).to.equal(true);
      expect(user.isOwn(1)).to.equal(false);
    });

    it('NULL is id 0 on the way out; getNullable maps it back', () => {
      const t = new ObjectTable('kernel');
      expect(t.idOf(null, DEV)).to.equal(0);
      expect(t.getNullable(0, DEV)).to.equal(null);
      expect(t.size).to.equal(0);
    });

    it('one object has one type (a local bug: TypeError)', () => {
      const t = new ObjectTable('kernel');
      const a = {};
      t.idOf(a, DEV);
      expect(() => t.idOf(a, PRIV)).to.throw(TypeError, 'object 0x00000001 is of type 0x00000101, not 0x00000202');
      expect(() => t.idOf({}, -1)).to.throw(TypeError, 'type id -1 is not a u32');
    });

    it('rejects NULL, forged, mistyped and freed ids with a WireError at the given offset', () => {
      const t = new ObjectTable('kernel');
      const a = {};
      t.idOf(a, DEV);
      t.handles.handleOf('secret', 0);
      const cases: [number, number, string][] = [
        [0, DEV, 'NULL object id where one is required'],
        [k(3), DEV, 'forged object id 0x00000003: the kernel side never issued it'],
        [k(0x3fffffff), DEV, 'forged object id 0x3fffffff: the kernel side never issued it'],
        [k(0x7fffffff), DEV, 'object id 0x7fffffff is a bound function\'s, and this side binds none'],
        [u(0x40000001), 0, 'object id 0xc0000001 is a bound function\'s, and this side binds none'],
        [k(1), PRIV, 'mistyped id 0x00000001: an object of type 0x00000101, not 0x00000202'],
        [k(2), 0, 'id 0x00000002 names a handle, not an object'],
        [u(1), DEV, 'unknown object id 0x80000001 of the user side'],
        [0x80000000, DEV, 'object id 0x80000000 has serial 0, which is never issued'],
        [-1, DEV, 'object id -1 is not a u32'],
        [1.5, DEV, 'object id 1.5 is not a u32'],
      ];
      for (const [id, type, reason] of cases) {
        const e = wireError(() => t.get(id, type, 120));
        expect(e.reason, reason).to.equal(reason);
        expect(e.offset).to.equal(120);
      }
      expect(wireError(() => t.get(3, DEV)).offset).to.equal(null);
      expect(t.free(1)).to.equal(true);
      expect(wireError(() => t.get(1, DEV)).reason).to.equal('object id 0x00000001 was freed');
      expect(t.free(1)).to.equal(false);
    });

    it('never reuses an id: a freed object gets a new one', () => {
      const t = new ObjectTable('user');
      const a = {};
      expect(t.idOf(a, DEV)).to.equal(u(1));
      t.free(u(1));
      expect(t.idOf(a, DEV)).to.equal(u(2));
    });

    it('running out of serials is an error, never a wrap-around', () => {
      const t = new ObjectTable('kernel', { maxSerial: 2 });
      t.idOf({}, DEV);
      t.functions.functionIdOf(() => 0);
      expect(() => t.idOf({}, DEV)).to.throw(RangeError, 'the kernel side has issued all 2 ids of this session; ids are never reused');
      expect(() => new ObjectTable('kernel', { maxSerial: 0x80000000 })).to.throw(RangeError);
    });
  });

  describe('shadows of peer objects', () => {
    it('creates a shadow once per peer id, and idOf gives the peer id back', () => {
      const t = new ObjectTable('kernel');
      let made = 0;
      const create = () => ({ made: ++made });
      const s = t.shadowFor(u(7), DEV, create);
      expect(t.shadowFor(u(7), DEV, create)).to.equal(s);
      expect(made).to.equal(1);
      expect(t.idOf(s, DEV)).to.equal(u(7));
      expect(t.get(u(7), DEV)).to.equal(s);
      expect(t.resolve(u(7), DEV, create)).to.equal(s);
    });

    it('resolve sends our ids to get and the peer ids to shadowFor', () => {
      const t = new ObjectTable('user');
      const mine = {};
      const id = t.idOf(mine, DEV);
      expect(t.resolve(id, DEV, () => ({}))).to.equal(mine);
      expect(wireError(() => t.resolve(u(9), DEV, () => ({}))).reason).to.equal('forged object id 0x80000009: the user side never issued it');
      const s = t.resolve(k(9), DEV, () => ({ shadow: true }));
      expect(s).to.deep.equal({ shadow: true });
    });

    it('rejects a type change, an id of our own side, NULL and serial 0', () => {
      const t = new ObjectTable('kernel');
      t.shadowFor(u(1), DEV, () => ({}));
      const cases: [number, number, string][] = [
        [u(1), PRIV, 'mistyped id 0x80000001: an object of type 0x00000101, not 0x00000202'],
        [k(1), DEV, 'object id 0x00000001 is of the kernel side where an id of the user side was expected'],
        [0, DEV, 'NULL object id where one is required'],
        [0x80000000, DEV, 'object id 0x80000000 has serial 0, which is never issued'],
      ];
      for (const [id, type, reason] of cases) expect(wireError(() => t.shadowFor(id, type, () => ({}), 8))).to.include({ reason, offset: 8 });
    });

    it('a create() that returns an object already in the table is a local bug', () => {
      const t = new ObjectTable('kernel');
      const a = {};
      t.idOf(a, DEV);
      expect(() => t.shadowFor(u(1), DEV, () => a)).to.throw(TypeError, /already in the table/);
      expect(t.size).to.equal(1);
    });

    it('freeByPeer drops a shadow both ways; the peer may not free our objects', () => {
      const t = new ObjectTable('kernel');
      const s = t.shadowFor(u(1), DEV, () => ({}));
      t.idOf({}, DEV);
      t.freeByPeer(u(1), DEV, 16);
      expect(wireError(() => t.get(u(1), DEV)).reason).to.equal('unknown object id 0x80000001 of the user side');
      expect(t.idOf(s, DEV), 'the old shadow is now just a local object').to.equal(k(2));
      expect(wireError(() => t.freeByPeer(k(1), DEV, 16))).to.include({ reason: 'the user side may not free 0x00000001, an object of the kernel side', offset: 16 });
      expect(wireError(() => t.freeByPeer(u(5), DEV)).reason).to.equal('unknown object id 0x80000005 of the user side');
      expect(wireError(() => t.freeByPeer(0, DEV)).reason).to.equal('NULL object id where one is required');
      t.shadowFor(u(6), DEV, () => ({}));
      expect(wireError(() => t.freeByPeer(u(6), PRIV)).reason).to.match(/^mistyped id 0x80000006/);
    });

    it('clear() drops the peer\'s entries and keeps ours', () => {
      const t = new ObjectTable('kernel');
      const mine = {};
      t.idOf(mine, DEV);
      t.handles.handleOf(42, 0);
      t.shadowFor(u(1), DEV, () => ({}));
      const token = t.handles.tokenFor(u(2), 0);
      t.functions.stubFor(u(3), IRQ_HANDLER, () => () => 0);
      expect(t.size).to.equal(5);
      t.clear();
      expect(t.size).to.equal(2);
      expect(t.get(1, DEV)).to.equal(mine);
      expect(t.handles.valueOf(2, 0)).to.equal(42);
      expect(wireError(() => t.get(u(1), DEV)).reason).to.match(/^unknown/);
      // A token from before the restart names nothing now.
      expect(() => t.handles.handleOf(token, 0)).to.throw(TypeError, /earlier session/);
      // Our serials go on: a restart never reuses our ids.
      expect(t.idOf({}, DEV)).to.equal(k(3));
    });
  });

  describe('handles', () => {
    it('gives any local value an id and only the id crosses', () => {
      const t = new ObjectTable('kernel');
      const pdev = { bar0: 0xfebf0000 };
      const h = t.handles.handleOf(pdev, PRIV);
      expect(h).to.equal(1);
      expect(t.handles.handleOf(pdev, PRIV)).to.equal(1);
      expect(t.handles.handleOf(0xffff888012345678n, 0)).to.equal(2);
      expect(t.handles.handleOf(0xffff888012345678n, 0), 'primitive values keep identity by value').to.equal(2);
      expect(t.handles.handleOf(null, 0)).to.equal(0);
      expect(t.handles.valueOf(1, PRIV)).to.equal(pdev);
      expect(t.handles.resolve(1, PRIV)).to.equal(pdev);
    });

    it('the same value under two types has two ids (C passes one pointer as void * and as T *)', () => {
      const t = new ObjectTable('kernel');
      const dev = {};
      const typed = t.handles.handleOf(dev, DEV);
      const untyped = t.handles.handleOf(dev, 0);
      expect(typed).to.not.equal(untyped);
      expect(wireError(() => t.handles.valueOf(typed, 0)).reason).to.equal('mistyped id 0x00000001: a handle of type 0x00000101, not 0x00000000');
    });

    it('rejects forged and object ids presented as handles', () => {
      const t = new ObjectTable('kernel');
      t.idOf({}, DEV);
      expect(wireError(() => t.handles.valueOf(5, 0)).reason).to.equal('forged handle id 0x00000005: the kernel side never issued it');
      expect(wireError(() => t.handles.valueOf(1, DEV)).reason).to.equal('id 0x00000001 names an object, not a handle');
    });

    it('peer handles become stable tokens that map back to their id', () => {
      const t = new ObjectTable('user');
      const tok = t.handles.tokenFor(k(4), PRIV);
      expect(tok).to.be.instanceOf(PeerHandle);
      expect(tok).to.include({ handleId: k(4), typeId: PRIV });
      expect(Object.isFrozen(tok)).to.equal(true);
      expect(String(tok)).to.equal('handle 0x00000004');
      expect(t.handles.tokenFor(k(4), PRIV)).to.equal(tok);
      expect(t.handles.resolve(k(4), PRIV)).to.equal(tok);
      expect(t.handles.handleOf(tok, PRIV)).to.equal(k(4));
      expect(() => t.handles.handleOf(tok, 0)).to.throw(TypeError);
      expect(() => t.handles.handleOf(new PeerHandle(k(5), PRIV), PRIV)).to.throw(TypeError);
      expect(wireError(() => t.handles.tokenFor(k(4), DEV)).reason).to.match(/^mistyped id 0x00000004: a handle/);
    });
  });

  describe('functions', () => {
    it('gives local functions ids and stubs for peer ids', () => {
      const t = new ObjectTable('kernel');
      const isr = () => 1;
      const id = t.functions.functionIdOf(isr, IRQ_HANDLER);
      expect(t.functions.functionIdOf(isr, IRQ_HANDLER)).to.equal(id);
      expect(t.functions.functionIdOf(null)).to.equal(0);
      expect(t.functions.functionFor(id, IRQ_HANDLER)).to.equal(isr);
      expect(t.functions.resolve(id, IRQ_HANDLER, () => () => 0)).to.equal(isr);
      const untyped = () => 2;
      expect(t.functions.functionFor(t.functions.functionIdOf(untyped))).to.equal(untyped);

      let stubs = 0;
      const stub = t.functions.stubFor(u(1), IRQ_HANDLER, () => (stubs++, () => 7));
      expect(t.functions.stubFor(u(1), IRQ_HANDLER, () => () => 8)).to.equal(stub);
      expect(t.functions.resolve(u(1), IRQ_HANDLER, () => () => 9)).to.equal(stub);
      expect(stubs).to.equal(1);
      expect(t.functions.functionIdOf(stub, IRQ_HANDLER), 'a stub passed back is the peer id').to.equal(u(1));
    });

    it('rejects forged, mistyped and non-function ids', () => {
      const t = new ObjectTable('kernel');
      const id = t.functions.functionIdOf(() => 1, IRQ_HANDLER);
      t.idOf({}, DEV);
      expect(wireError(() => t.functions.functionFor(9, IRQ_HANDLER, 4))).to.include({ reason: 'forged function id 0x00000009: the kernel side never issued it', offset: 4 });
      expect(wireError(() => t.functions.functionFor(id, 0)).reason).to.equal('mistyped id 0x00000001: a function of type 0x00000303, not 0x00000000');
      expect(wireError(() => t.functions.functionFor(2, DEV)).reason).to.equal('id 0x00000002 names an object, not a function');
      expect(wireError(() => t.functions.stubFor(id, IRQ_HANDLER, () => () => 0)).reason).to.match(/is of the kernel side/);
    });
  });

  describe('staging', () => {
    it('commit keeps new shadows and applies frees', () => {
      const t = new ObjectTable('kernel');
      const old = t.shadowFor(u(1), DEV, () => ({ old: true }));
      t.beginStaging();
      expect(t.isStaging).to.equal(true);
      const fresh = t.shadowFor(u(2), DEV, () => ({}));
      t.freeByPeer(u(1), DEV);
      expect(t.get(u(2), DEV), 'a shadow staged earlier in the message is found').to.equal(fresh);
      expect(t.size, 'the free waits for commit').to.equal(2);
      t.commit();
      expect(t.isStaging).to.equal(false);
      expect(t.size).to.equal(1);
      expect(t.get(u(2), DEV)).to.equal(fresh);
      expect(t.idOf(old, DEV)).to.equal(k(1));
    });

    it('an id freed earlier in the staged message cannot be used or freed again', () => {
      const t = new ObjectTable('kernel');
      t.shadowFor(u(1), DEV, () => ({}));
      t.beginStaging();
      t.freeByPeer(u(1), DEV, 40);
      expect(wireError(() => t.shadowFor(u(1), DEV, () => ({}), 64))).to.include({ reason: 'object id 0x80000001 was freed earlier in this message', offset: 64 });
      expect(wireError(() => t.get(u(1), DEV)).reason).to.equal('object id 0x80000001 was freed earlier in this message');
      expect(wireError(() => t.freeByPeer(u(1), DEV)).reason).to.equal('object id 0x80000001 was freed earlier in this message');
      expect(t.free(u(1))).to.equal(false);
      t.rollback();
      expect(t.get(u(1), DEV)).to.be.an('object');
    });

    it('rollback leaves the table exactly as before, serial counter included', () => {
      const t = new ObjectTable('kernel');
      const mine = {};
      t.idOf(mine, DEV);
      t.shadowFor(u(1), DEV, () => ({}));
      t.handles.tokenFor(u(2), 0);
      const before = t.entries();
      t.beginStaging();
      const staged = t.shadowFor(u(3), DEV, () => ({}));
      t.handles.tokenFor(u(4), 0);
      t.functions.stubFor(u(5), IRQ_HANDLER, () => () => 0);
      t.idOf({}, PRIV);
      t.handles.handleOf('x', 0);
      t.freeByPeer(u(1), DEV);
      t.free(k(1));
      t.rollback();
      expect(t.entries()).to.deep.equal(before);
      expect(t.entries().map((e) => e.value)).to.have.ordered.members(before.map((e) => e.value));
      expect(t.idOf(staged, DEV), 'the staged shadow is forgotten').to.equal(k(2));
      expect(wireError(() => t.get(u(3), DEV)).reason).to.match(/^unknown/);
    });

    it('misuse of staging is a local Error', () => {
      const t = new ObjectTable('kernel');
      expect(() => t.commit()).to.throw(Error, /without beginStaging/);
      expect(() => t.rollback()).to.throw(Error, /without beginStaging/);
      t.beginStaging();
      expect(() => t.beginStaging()).to.throw(Error, /already staging/);
      expect(() => t.clear()).to.throw(Error, /while staging/);
      t.commit();
    });
  });

  it('all wire-facing lookups throw WireError, never anything else, for any u32', () => {
    const t = new ObjectTable('kernel');
    t.idOf({}, DEV);
    t.shadowFor(u(1), DEV, () => ({}));
    for (const id of [0, 1, 2, 0x7fffffff, 0x80000000, 0x80000001, 0x80000002, 0xffffffff]) {
      for (const lookup of [
        () => t.get(id, PRIV),
        () => t.shadowFor(id, PRIV, () => ({})),
        () => t.handles.valueOf(id, 0),
        () => t.functions.functionFor(id, 0),
        () => t.freeByPeer(id, PRIV),
      ]) {
        try {
          lookup();
        } catch (e) {
          expect(e, `id ${id}`).to.be.instanceOf(WireError);
        }
      }
    }
  });
});

// An object's entry is also kept in a non-enumerable symbol property of the object (its slot), so
// that finding it is one property load; the map stays the truth, and the slot is believed only
// for a live entry of that very table and object.
describe('runtime: ObjectTable entry slots', () => {
  const symbols = (o: object) => Object.getOwnPropertySymbols(o);

  it('a tracked object gets one hidden slot: not enumerable, not in its keys or its JSON', () => {
    const t = new ObjectTable('kernel');
    const o = { a: 1 };
    const id = t.idOf(o, DEV);
    expect(symbols(o)).to.have.length(1);
    expect(Object.keys(o)).to.deep.equal(['a']);
    expect(JSON.stringify(o)).to.equal('{"a":1}');
    expect(o).to.deep.equal({ a: 1 });
    expect(t.entryOf(o, DEV).id).to.equal(id);
    expect(t.idOf(o, DEV)).to.equal(id);
    expect(() => t.idOf(o, PRIV)).to.throw(TypeError, /is of type/);
  });

  it('frozen, sealed and proxied objects are found through the map, and keep their identity', () => {
    const t = new ObjectTable('kernel');
    const frozen = Object.freeze({ f: 1 });
    const sealed = Object.seal({ s: 1 });
    let traps = 0;
    const proxy = new Proxy({ p: 1 }, {
      defineProperty: (target, key, d) => {
        traps++;
        return Reflect.defineProperty(target, key, d);
      },
      get: (target, key) => {
        if (typeof key === 'symbol') traps++;
        return Reflect.get(target, key);
      },
    });
    const ids = [frozen, sealed, proxy].map((o) => t.idOf(o, DEV));
    expect(new Set(ids).size).to.equal(3);
    expect([frozen, sealed, proxy].map((o) => t.idOf(o, DEV))).to.deep.equal(ids);
    expect(symbols(frozen)).to.have.length(0);
    expect(symbols(sealed)).to.have.length(0);
    // Taking the slot never goes through a proxy's traps (reading it does, like any property read).
    const before = traps;
    expect(t.entryOf(proxy, DEV).id).to.equal(ids[2]);
    expect(symbols(proxy)).to.have.length(0);
    expect(traps - before).to.be.lessThan(2);
  });

  it("an object that inherits another's slot is not taken for it", () => {
    const t = new ObjectTable('kernel');
    const parent = { p: 1 };
    const pid = t.idOf(parent, DEV);
    const child = Object.create(parent) as object;
    const cid = t.idOf(child, DEV);
    expect(cid).to.not.equal(pid);
    expect(t.idOf(child, DEV)).to.equal(cid);
    expect(t.idOf(parent, DEV)).to.equal(pid);
    expect(t.entryOf(child, DEV).id).to.equal(cid);
  });

  it('an object in two tables gets the right id from each', () => {
    const a = new ObjectTable('kernel');
    const b = new ObjectTable('kernel');
    a.idOf({}, DEV);
    const o = {};
    const ia = a.idOf(o, DEV);
    const ib = b.idOf(o, DEV);
    expect(ia).to.equal(2);
    expect(ib).to.equal(1);
    for (let i = 0; i < 3; i++) expect([a.idOf(o, DEV), b.idOf(o, DEV), a.entryOf(o, DEV).id, b.entryOf(o, DEV).id]).to.deep.equal([2, 1, 2, 1]);
    // Dropped from the table whose entry the slot holds: the other still finds it; taken again, a new id.
    b.free(ib);
    expect(a.idOf(o, DEV)).to.equal(2);
    expect(b.idOf(o, DEV)).to.equal(2);
  });

  it('a freed object, even one frozen since it was tracked, gets a new id and never its dead one', () => {
    const t = new ObjectTable('kernel');
    const o = { x: 1 };
    const first = t.idOf(o, DEV);
    expect(symbols(o)).to.have.length(1);
    Object.freeze(o);
    expect(t.free(first)).to.equal(true);
    // Its slot still holds the dead entry (a frozen property cannot be emptied): it must not be believed.
    const second = t.idOf(o, DEV);
    expect(second).to.not.equal(first);
    expect(t.entryOf(o, DEV).id).to.equal(second);
    expect(() => t.get(first, DEV)).to.throw(WireError, /was freed/);
    const loose = { y: 1 };
    const lid = t.idOf(loose, DEV);
    t.free(lid);
    expect(t.idOf(loose, PRIV)).to.not.equal(lid);
  });

  it('a rolled-back shadow leaves no slot behind that resolves', () => {
    const t = new ObjectTable('user');
    t.beginStaging();
    const s = t.shadowFor(k(7), DEV, () => ({}));
    expect(t.resolve(k(7), DEV, () => ({}))).to.equal(s);
    t.rollback();
    // Unknown again: a new shadow, not the rolled-back one (through the resolve cache or the slot).
    const again = t.resolve(k(7), DEV, () => ({ fresh: true }));
    expect(again).to.not.equal(s);
    expect(t.idOf(s, DEV)).to.not.equal(k(7));
  });
});
