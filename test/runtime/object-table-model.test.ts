// Model test of ObjectTable: random sequences of operations run against the table and against a
// deliberately naive model (a list of entries; staging as a full snapshot, where the table keeps
// an undo log). After every step both must agree on the outcome (value, id or error class) and on
// the complete set of entries, so a failed operation is also seen to have changed nothing.
import { expect } from 'chai';
import fc from 'fast-check';
import { WireError } from '../../runtime/ts/errors.js';
import { makeId, ObjectTable, type EntryKind, type Side } from '../../runtime/ts/object-table.js';

const SEED = 7_1108;
const TYPES = [1, 2, 3];
const MAX_SERIAL = 12;

interface MEntry {
  id: number;
  kind: EntryKind;
  typeId: number;
  own: boolean;
  value: unknown;
}

class Model {
  entries: MEntry[] = [];
  lastSerial = 0;
  staging: { entries: MEntry[]; lastSerial: number } | null = null;
  pending = new Set<number>();

  constructor(readonly side: Side) {}

  isOwn(id: number): boolean {
    return id !== 0 && (id >>> 31 === 1) === (this.side === 'user');
  }

  find(id: number): MEntry | undefined {
    return this.entries.find((e) => e.id === id);
  }

  /** A lookup's checks, in the model's words: true when it must succeed. */
  ok(id: number, kind: EntryKind, typeId: number): boolean {
    const e = this.find(id);
    return e !== undefined && e.kind === kind && e.typeId === typeId && !this.pending.has(id);
  }

  issue(kind: EntryKind, typeId: number, value: unknown): number | 'RangeError' {
    if (this.lastSerial >= MAX_SERIAL) return 'RangeError';
    const id = makeId(this.side, ++this.lastSerial);
    this.entries.push({ id, kind, typeId, own: true, value });
    return id;
  }

  drop(id: number): void {
    this.entries = this.entries.filter((e) => e.id !== id);
  }
}

type Op =
  | { op: 'idOf'; obj: number; type: number }
  | { op: 'idOfShadow'; which: number; type: number }
  | { op: 'handleOf'; value: number; type: number }
  | { op: 'get'; id: IdPick; type: number }
  | { op: 'shadowFor'; id: IdPick; type: number }
  | { op: 'tokenFor'; id: IdPick; type: number }
  | { op: 'valueOf'; id: IdPick; type: number }
  | { op: 'free'; id: IdPick }
  | { op: 'freeByPeer'; id: IdPick; type: number }
  | { op: 'begin' | 'commit' | 'rollback' | 'clear' };

/** Ids are drawn from a small space so that hits, misses, forgeries and reuse all happen. */
type IdPick = { side: 'own' | 'peer' | 'null'; serial: number };

const idPick = fc.oneof(
  { weight: 8, arbitrary: fc.record({ side: fc.constantFrom('own' as const, 'peer' as const), serial: fc.integer({ min: 1, max: MAX_SERIAL + 1 }) }) },
  { weight: 1, arbitrary: fc.constant<IdPick>({ side: 'null', serial: 0 }) },
);
const type = fc.constantFrom(...TYPES);

const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ op: fc.constant('idOf' as const), obj: fc.nat(5), type }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('idOfShadow' as const), which: fc.nat(20), type }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('handleOf' as const), value: fc.nat(3), type: fc.constantFrom(0, 1) }) },
  { weight: 4, arbitrary: fc.record({ op: fc.constant('get' as const), id: idPick, type }) },
  { weight: 4, arbitrary: fc.record({ op: fc.constant('shadowFor' as const), id: idPick, type }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('tokenFor' as const), id: idPick, type: fc.constantFrom(0, 1) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('valueOf' as const), id: idPick, type: fc.constantFrom(0, 1) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('free' as const), id: idPick }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('freeByPeer' as const), id: idPick, type }) },
  { weight: 2, arbitrary: fc.constant<Op>({ op: 'begin' }) },
  { weight: 2, arbitrary: fc.constant<Op>({ op: 'commit' }) },
  { weight: 2, arbitrary: fc.constant<Op>({ op: 'rollback' }) },
  { weight: 1, arbitrary: fc.constant<Op>({ op: 'clear' }) },
);

/** An outcome both sides can produce: a value (compared by identity), or the class of the error. */
type Outcome = { value: unknown } | { error: string };

function attempt(fn: () => unknown): Outcome {
  try {
    return { value: fn() };
  } catch (e) {
    if (e instanceof WireError) return { error: 'WireError' };
    if (e instanceof TypeError) return { error: 'TypeError' };
    if (e instanceof RangeError) return { error: 'RangeError' };
    if (e instanceof Error) return { error: 'Error' };
    throw e;
  }
}

function runScenario(side: Side, ops: Op[]): void {
  const table = new ObjectTable(side, { maxSerial: MAX_SERIAL });
  const model = new Model(side);
  const peer: Side = side === 'kernel' ? 'user' : 'kernel';
  const objects = Array.from({ length: 6 }, (_, i) => ({ local: i }));
  const handleValues: unknown[] = ['pdev', 7, { bar: 0 }, 7n];
  // Every shadow either side ever made, so idOf can be asked about live and dropped ones.
  const shadows: object[] = [];
  const idOf = (p: IdPick) => (p.side === 'null' ? 0 : makeId(p.side === 'own' ? side : peer, p.serial));

  for (const [step, o] of ops.entries()) {
    let got: Outcome;
    let want: Outcome;
    switch (o.op) {
      case 'idOf':
      case 'idOfShadow': {
        const obj = o.op === 'idOf' ? objects[o.obj]! : shadows[o.which % Math.max(1, shadows.length)];
        if (obj === undefined) continue;
        got = attempt(() => table.idOf(obj, o.type));
        const e = model.entries.find((x) => x.kind === 'object' && x.value === obj);
        if (e) want = e.typeId === o.type ? { value: e.id } : { error: 'TypeError' };
        else {
          const id = model.issue('object', o.type, obj);
          want = id === 'RangeError' ? { error: 'RangeError' } : { value: id };
        }
        break;
      }
      case 'handleOf': {
        const v = handleValues[o.value];
        got = attempt(() => table.handles.handleOf(v, o.type));
        const e = model.entries.find((x) => x.kind === 'handle' && x.typeId === o.type && x.value === v);
        if (e) want = { value: e.id };
        else {
          const id = model.issue('handle', o.type, v);
          want = id === 'RangeError' ? { error: 'RangeError' } : { value: id };
        }
        break;
      }
      case 'get':
      case 'valueOf': {
        const id = idOf(o.id);
        const kind: EntryKind = o.op === 'get' ? 'object' : 'handle';
        got = attempt(() => (o.op === 'get' ? table.get(id, o.type) : table.handles.valueOf(id, o.type)));
        want = model.ok(id, kind, o.type) ? { value: model.find(id)!.value } : { error: 'WireError' };
        break;
      }
      case 'shadowFor':
      case 'tokenFor': {
        const id = idOf(o.id);
        const kind: EntryKind = o.op === 'shadowFor' ? 'object' : 'handle';
        let made: unknown;
        got = attempt(() =>
          o.op === 'shadowFor'
            ? table.shadowFor(id, o.type, () => (made = { shadow: id }))
            : table.handles.tokenFor(id, o.type),
        );
        if (id === 0 || model.isOwn(id)) want = { error: 'WireError' };
        else if (model.find(id)) want = model.ok(id, kind, o.type) ? { value: model.find(id)!.value } : { error: 'WireError' };
        else {
          // A new shadow: the model takes whatever the table made, having checked it is new.
          const value = o.op === 'shadowFor' ? made : 'value' in got ? got.value : undefined;
          expect(value, `step ${step}: a new ${kind} for ${id}`).to.be.an('object');
          expect(model.entries.some((x) => x.value === value)).to.equal(false);
          model.entries.push({ id, kind, typeId: o.type, own: false, value });
          if (o.op === 'shadowFor') shadows.push(value as object);
          want = { value };
        }
        break;
      }
      case 'free': {
        const id = idOf(o.id);
        got = attempt(() => table.free(id));
        if (!model.find(id) || model.pending.has(id)) want = { value: false };
        else {
          if (model.staging) model.pending.add(id);
          else model.drop(id);
          want = { value: true };
        }
        break;
      }
      case 'freeByPeer': {
        const id = idOf(o.id);
        got = attempt(() => table.freeByPeer(id, o.type));
        if (id === 0 || model.isOwn(id) || !model.ok(id, 'object', o.type)) want = { error: 'WireError' };
        else {
          if (model.staging) model.pending.add(id);
          else model.drop(id);
          want = { value: undefined };
        }
        break;
      }
      case 'begin':
        got = attempt(() => table.beginStaging());
        if (model.staging) want = { error: 'Error' };
        else {
          model.staging = { entries: [...model.entries], lastSerial: model.lastSerial };
          want = { value: undefined };
        }
        break;
      case 'commit':
        got = attempt(() => table.commit());
        if (!model.staging) want = { error: 'Error' };
        else {
          for (const id of model.pending) model.drop(id);
          model.pending.clear();
          model.staging = null;
          want = { value: undefined };
        }
        break;
      case 'rollback':
        got = attempt(() => table.rollback());
        if (!model.staging) want = { error: 'Error' };
        else {
          model.entries = model.staging.entries;
          model.lastSerial = model.staging.lastSerial;
          model.pending.clear();
          model.staging = null;
          want = { value: undefined };
        }
        break;
      case 'clear':
        got = attempt(() => table.clear());
        if (model.staging) want = { error: 'Error' };
        else {
          model.entries = model.entries.filter((e) => e.own);
          want = { value: undefined };
        }
        break;
    }
    const where = `step ${step}: ${JSON.stringify(o)}`;
    if ('value' in want && 'value' in got) expect(got.value, where).to.equal(want.value);
    else expect(got, where).to.deep.equal(want);
    const byId = (a: { id: number }, b: { id: number }) => a.id - b.id;
    const live = table.entries().sort(byId);
    const expected = [...model.entries].sort(byId);
    expect(live.map(({ id, kind, typeId, own }) => ({ id, kind, typeId, own })), where).to.deep.equal(expected.map(({ id, kind, typeId, own }) => ({ id, kind, typeId, own })));
    live.forEach((e, i) => expect(e.value, `${where}: identity of ${e.id}`).to.equal(expected[i]!.value));
    expect(table.size).to.equal(model.entries.length);
    expect(table.isStaging).to.equal(model.staging !== null);
  }
}

describe('runtime: ObjectTable model', () => {
  for (const side of ['kernel', 'user'] as const) {
    it(`the ${side} side's table behaves as the model under random operations`, () => {
      fc.assert(
        // size 'max': fast-check's default size would keep the arrays far below maxLength.
        fc.property(fc.array(op, { minLength: 10, maxLength: 80, size: 'max' }), (ops) => runScenario(side, ops)),
        { seed: SEED, numRuns: 400 },
      );
    });
  }
});
