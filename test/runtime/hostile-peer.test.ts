// Regression tests of what a hostile u-driver found in the TypeScript runtime (issue #14): a long
// chain hung off a kernel object, a table flooded with shadows, a reply of another module version,
// and [out] objects that stayed in the table forever.
import { expect } from 'chai';
import { KernelChannel } from '../../runtime/ts/channel.js';
import { settleReply } from '../../runtime/ts/channel-core.js';
import { Codec } from '../../runtime/ts/codec.js';
import { decodeHeader } from '../../runtime/ts/header.js';
import { DEFAULT_MAX_PEER_ENTRIES, ObjectTable } from '../../runtime/ts/object-table.js';
import type { Plan, PlanFunction, PlanSelection } from '../../runtime/ts/plan.js';
import { WireReader } from '../../runtime/ts/wire-reader.js';
import { WireWriter } from '../../runtime/ts/wire-writer.js';
import { plan as nicPlan } from '../../samples/nic/generated/ts/nic.plan.js';
import { kernelDispatcher, upcalls } from '../../samples/nic/generated/ts/nic.stubs.js';
import type { ethtool_drvinfo, link_stats } from '../../samples/nic/generated/ts/nic.types.js';
import { NicKDriver } from '../../samples/nic/kdriver.js';
import { sim } from '../../runtime/ts/index.js';
import { wireError } from './helpers.js';

type Node = { value: number; next: Node | null };

const NODE = 0x4e4f4445;
const deep: PlanSelection = { all: 2, fields: [] };
/** node { u32 value; node *next; }: grow(head) reads and writes the list deep, take(head) reads it (a downcall). */
const chainPlan: Plan = {
  module: 'chain',
  version: 3,
  types: [
    {
      kind: 'struct',
      id: NODE,
      name: 'node',
      fields: [
        { name: 'value', value: { k: 'int', bits: 32, signed: false } },
        { name: 'next', value: { k: 'tracked', type: NODE, nonNull: false } },
      ],
    },
  ],
  interfaces: [
    {
      id: 0x636861,
      name: 'chain',
      functions: [
        { id: 1, name: 'grow', role: 'upcall', params: [{ name: 'head', value: { k: 'tracked', type: NODE, nonNull: false }, dir: 'in' }], returns: null, reads: [[0, deep]], writes: [[0, deep]] },
        { id: 2, name: 'take', role: 'downcall', params: [{ name: 'head', value: { k: 'tracked', type: NODE, nonNull: false }, dir: 'in' }], returns: null, reads: [[0, deep]], writes: [] },
      ],
    },
  ],
};
const chainIface = chainPlan.interfaces[0]!;
const grow = chainIface.functions[0]!;
const take = chainIface.functions[1]!;

function chain(length: number, from = 0): Node {
  let head: Node | null = null;
  for (let i = length - 1; i >= 0; i--) head = { value: from + i, next: head };
  return head!;
}

function lengthOf(n: Node | null): number {
  let k = 0;
  for (; n; n = n.next) k++;
  return k;
}

describe('runtime: a hostile peer (issue #14)', function () {
  this.timeout(120000);

  it('a reply that hangs an 8,000-node chain off an object leaves the next call on it working (no recursion over the peer graph)', () => {
    const kernel = new Codec(chainPlan, new ObjectTable('kernel'));
    const user = new Codec(chainPlan, new ObjectTable('user'));
    const w = new WireWriter(new ArrayBuffer(2 << 20));
    const head: Node = { value: 1, next: null };
    const call = kernel.encodeCall(w, chainIface, grow, [head], 1).slice();
    const got = user.decodeCall(call);
    got.apply();
    const shadow = got.call.args[0] as Node;
    shadow.next = chain(8000, 100);
    const reply = user.encodeReply(w, chainIface, grow, [shadow], undefined, 1).slice();
    expect(reply.length).to.be.greaterThan(8000 * 32);
    kernel.decodeReply(reply, grow, 1, [head]);
    expect(lengthOf(head)).to.equal(8001);

    // The kernel's next call on head walks the whole chain to send it: 8,001 objects.
    const next = kernel.encodeCall(w, chainIface, grow, [head], 2);
    const h = decodeHeader(new WireReader(next.buffer as ArrayBuffer, next.byteOffset, next.byteLength));
    expect(h.objectCount).to.equal(8001);
    const again = user.decodeCall(next.slice());
    again.apply();
    expect(again.call.args[0]).to.equal(shadow);
    expect(lengthOf(shadow)).to.equal(8001);
  });

  it('a graph too large for one message is a WireError (message too large), not a RangeError, and sends nothing', () => {
    const kernel = new Codec(chainPlan, new ObjectTable('kernel'));
    const w = new WireWriter(new ArrayBuffer(1 << 20));
    const e = wireError(() => kernel.encodeCall(w, chainIface, grow, [chain(200_000)], 1));
    expect(e.message).to.match(/message too large/);
  });

  it(`caps the peer's entries in a table at ${DEFAULT_MAX_PEER_ENTRIES}, as the C runtime does, and rolls back the message past it`, () => {
    const kernel = new Codec(chainPlan, new ObjectTable('kernel'));
    const user = new Codec(chainPlan, new ObjectTable('user'));
    const w = new WireWriter(new ArrayBuffer(1 << 20));
    const sizes: number[] = [];
    let refused: string | null = null;
    for (let i = 0; i < 3 && refused === null; i++) {
      const bytes = user.encodeCall(w, chainIface, take, [chain(30000, i * 30000)], i + 1).slice();
      try {
        kernel.decodeCall(bytes).apply();
      } catch (e) {
        refused = wireError(() => {
          throw e;
        }).message;
      }
      sizes.push(kernel.tables.size);
    }
    expect(sizes).to.deep.equal([30000, 60000, 60000]);
    expect(refused).to.match(/the user side already has 65536 entries in the kernel side's table, as many as it may/);
    expect(kernel.tables.peerSize).to.equal(60000);
  });

  it('the cap is configurable', () => {
    const kernel = new Codec(chainPlan, new ObjectTable('kernel', { maxPeerEntries: 10 }));
    const user = new Codec(chainPlan, new ObjectTable('user'));
    const w = new WireWriter(new ArrayBuffer(1 << 16));
    kernel.decodeCall(user.encodeCall(w, chainIface, take, [chain(10)], 1).slice()).apply();
    expect(kernel.tables.size).to.equal(10);
    const e = wireError(() => kernel.decodeCall(user.encodeCall(w, chainIface, take, [chain(1, 50)], 2).slice()));
    expect(e.message).to.match(/already has 10 entries/);
    expect(kernel.tables.size).to.equal(10);
  });

  it('refuses a reply or an error reply of another module version, and applies nothing', () => {
    const kernel = new Codec(chainPlan, new ObjectTable('kernel'));
    const user = new Codec(chainPlan, new ObjectTable('user'));
    const w = new WireWriter(new ArrayBuffer(1 << 16));
    const head: Node = { value: 1, next: null };
    const got = user.decodeCall(kernel.encodeCall(w, chainIface, grow, [head], 7).slice());
    got.apply();
    const shadow = got.call.args[0] as Node;
    shadow.value = 99;
    shadow.next = chain(3);
    const reply = user.encodeReply(w, chainIface, grow, [shadow], undefined, 7).slice();
    new DataView(reply.buffer).setUint16(6, chainPlan.version + 1, true);
    const before = kernel.tables.size;
    const e = wireError(() => kernel.decodeReply(reply, grow, 7, [head]));
    expect(e.message).to.equal(`malformed message at byte 6: module version ${chainPlan.version + 1}, this side has ${chainPlan.version}`);
    expect(head).to.deep.equal({ value: 1, next: null });
    expect(kernel.tables.size).to.equal(before);

    const error = user.encodeError(w, chainIface, grow, 7, 22, 'nope').slice();
    new DataView(error.buffer).setUint16(6, chainPlan.version + 1, true);
    const header = decodeHeader(new WireReader(error.buffer, 0, error.length));
    const e2 = wireError(() => settleReply(kernel, { maxPayload: 1 << 20 }, error, header, chainIface, grow as PlanFunction, 7, [head]));
    expect(e2.message).to.match(/module version/);
  });

  it('an [out] object the kernel lends an upcall leaves both tables when the call ends (codec level)', () => {
    const kernel = new Codec(nicPlan, new ObjectTable('kernel'));
    const user = new Codec(nicPlan, new ObjectTable('user'));
    const w = new WireWriter(new ArrayBuffer(1 << 16));
    const ethtool = kernel.interfaceNamed('ethtool_ops');
    const getStats = ethtool.functions.find((f) => f.name === 'get_stats')!;
    const dev = { name: 'eth0', flags: 0, mtu: 1500, dev_addr: new Uint8Array(6), irq: 1, priv: { msg_enable: 0, rx_ring_size: 0, tx_ring_size: 0, rx_packets: 5n, tx_packets: 6n, rx_missed: 0n, tx_next: 0, rx_next: 0 } };
    const sizes: [number, number][] = [];
    for (let round = 0; round < 5; round++) {
      const stats: link_stats = { rx_packets: 0n, tx_packets: 0n, rx_missed: 0n };
      const bytes = kernel.encodeCall(w, ethtool, getStats, [dev, stats], round + 1).slice();
      const got = user.decodeCall(bytes);
      got.apply();
      const [udev, ustats] = got.call.args as [typeof dev, link_stats];
      ustats.rx_packets = udev.priv.rx_packets;
      ustats.tx_packets = udev.priv.tx_packets;
      kernel.decodeReply(user.encodeReply(w, ethtool, getStats, got.call.args, undefined, round + 1).slice(), getStats, round + 1, [dev, stats]);
      expect(stats).to.deep.equal({ rx_packets: 5n, tx_packets: 6n, rx_missed: 0n });
      kernel.forget(stats, 1878644641, true);
      sizes.push([kernel.tables.size, user.tables.size]);
    }
    // dev and dev.priv stay; each round's stats leaves the kernel's table at once and the user's
    // with the next message (whose freed entry the user side applies).
    expect(sizes).to.deep.equal([
      [2, 3],
      [2, 3],
      [2, 3],
      [2, 3],
      [2, 3],
    ]);
  });

  it('100 rounds of get_stats and get_drvinfo through a real channel leave the kernel table as it was', async () => {
    const kernel = new sim.SimKernel();
    const nic = new sim.SimNic(kernel, 11);
    const k = new NicKDriver(kernel, nic);
    const channel = new KernelChannel({
      plan: nicPlan,
      workerUrl: new URL('../../samples/nic/udriver.js', import.meta.url),
      implementation: kernelDispatcher(k.downcalls),
    });
    try {
      await channel.start();
      const up = upcalls(channel);
      expect(await up.net_device_ops.ndo_open(k.dev)).to.equal(0);
      const sizes: number[] = [];
      for (let round = 0; round < 100; round++) {
        const stats: link_stats = { rx_packets: 1n, tx_packets: 1n, rx_missed: 1n };
        await up.ethtool_ops.get_stats(k.dev, stats);
        expect(stats.rx_packets).to.equal(0n);
        const info = { driver: '', version: '', bus_info: '' } as ethtool_drvinfo;
        await up.ethtool_ops.get_drvinfo(k.dev, info);
        expect(info.driver).to.equal('nic-sim');
        sizes.push(channel.tables.size);
      }
      expect(new Set(sizes).size, `table sizes ${sizes.join(' ')}`).to.equal(1);
      // A stats object the kernel had already sent elsewhere keeps its id: only objects the call lent are released.
      const kept: link_stats = { rx_packets: 0n, tx_packets: 0n, rx_missed: 0n };
      const id = channel.tables.idOf(kept, 1878644641);
      await up.ethtool_ops.get_stats(k.dev, kept);
      expect(channel.tables.knownId(kept)).to.equal(id);
    } finally {
      await channel.stop();
      kernel.stop();
    }
  });
});
