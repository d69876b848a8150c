// The pieces under the channel, on one thread: a mailbox hands over one message at a time and
// survives a forged length; `classify` lets a peer call only what this side serves, and answers
// everything else with the error code of docs/wire-format.md.
import { expect } from 'chai';
import { Worker } from 'node:worker_threads';
import { classify, describe as describeError, encodeErrorReply, errnoOf, settleReply, type Implementations } from '../../runtime/ts/channel-core.js';
import { Codec } from '../../runtime/ts/codec.js';
import { RemoteError, TimeoutError, WireError } from '../../runtime/ts/errors.js';
import { DEFAULT_LIMITS, encodeHeader, finishHeader, MessageKind } from '../../runtime/ts/header.js';
import { createChannelBuffer, EMPTY, FULL, mailboxes } from '../../runtime/ts/mailbox.js';
import { ObjectTable } from '../../runtime/ts/object-table.js';
import { WireWriter } from '../../runtime/ts/wire-writer.js';
import { channelPlan, type NetDevice } from './channel-fixture.js';

const plan = channelPlan();
const limits = DEFAULT_LIMITS;

function fn(iface: string, name: string) {
  const i = plan.interfaces.find((x) => x.name === iface)!;
  return { iface: i, fn: i.functions.find((f) => f.name === name)! };
}

describe('channel: mailboxes', () => {
  it('hand one message over at a time, each way', () => {
    const info = createChannelBuffer(1024);
    const kernel = mailboxes(info, 'kernel');
    const user = mailboxes(info, 'user');
    expect(kernel.outbox.full).to.equal(false);
    kernel.outbox.writer.reset();
    kernel.outbox.writer.u32(0xdeadbeef);
    kernel.outbox.publish(kernel.outbox.writer.position);
    expect(user.inbox.full).to.equal(true);
    expect(kernel.inbox.full).to.equal(false); // the other direction is untouched
    const got = user.inbox.take(new Uint8Array(info.capacity));
    expect(Array.from(got)).to.deep.equal([0xef, 0xbe, 0xad, 0xde]);
    expect(kernel.outbox.full).to.equal(false);
    expect(user.inbox.waitSync(EMPTY, 10, 1)).to.equal(false); // nothing more: times out
    expect(kernel.outbox.waitSync(FULL, 10, 1)).to.equal(true); // free to write
  });

  it('a forged length is a WireError and still frees the mailbox', () => {
    const info = createChannelBuffer(64);
    const { inbox } = mailboxes(info, 'user');
    const ctrl = new Int32Array(info.buffer, 0, 32);
    Atomics.store(ctrl, inbox.lengthAt, info.capacity + 1);
    Atomics.store(ctrl, inbox.stateAt, FULL);
    expect(() => inbox.take(new Uint8Array(info.capacity))).to.throw(WireError, /announces/);
    expect(inbox.full).to.equal(false);
  });

  it('copies out each message whole, small or large, however often a length repeats', () => {
    const info = createChannelBuffer(4096);
    const kernel = mailboxes(info, 'kernel');
    const user = mailboxes(info, 'user');
    const into = new Uint8Array(info.capacity);
    const seen: number[][] = [];
    // Lengths on both sides of the byte-by-byte copy's limit, each twice with other bytes.
    for (const [length, seed] of [[40, 1], [40, 2], [256, 3], [257, 4], [4000, 5], [40, 6], [4000, 7]] as const) {
      const w = kernel.outbox.writer;
      w.reset();
      const bytes = Uint8Array.from({ length }, (_, i) => (i * 7 + seed) & 0xff);
      w.bytes(bytes);
      kernel.outbox.publish(w.position);
      const got = user.inbox.take(into);
      expect(got.length).to.equal(length);
      expect(Array.from(got)).to.deep.equal(Array.from(bytes));
      seen.push(Array.from(got.subarray(0, 4)));
    }
    // A view handed out earlier shows the scratch buffer, not a frozen copy: it is the caller's to copy.
    expect(seen[0]).to.deep.equal([1, 8, 15, 22]);
    expect(seen[1]).to.deep.equal([2, 9, 16, 23]);
  });

  it('a side parked on its inbox counts itself a sleeper, and the publish that wakes it finds it', async function () {
    this.timeout(60_000); // a lost wake-up would leave the worker asleep: this test would hang
    const info = createChannelBuffer(64);
    const kernel = mailboxes(info, 'kernel');
    const ctrl = new Int32Array(info.buffer, 0, 32);
    const mailboxUrl = new URL('../../runtime/ts/mailbox.js', import.meta.url).href;
    const worker = new Worker(
      `const { workerData, parentPort } = require('node:worker_threads');
       import(workerData.url).then(({ mailboxes, EMPTY }) => {
         const { inbox } = mailboxes(workerData.info, 'user');
         inbox.waitSync(EMPTY, 0); // no timeout: only a notify ends it
         parentPort.postMessage(Array.from(inbox.take(new Uint8Array(workerData.info.capacity))));
       });`,
      { eval: true, workerData: { url: mailboxUrl, info } },
    );
    try {
      const answer = new Promise<number[]>((resolve, reject) => {
        worker.once('message', resolve);
        worker.once('error', reject);
      });
      while (Atomics.load(ctrl, kernel.outbox.sleepersAt) === 0) await new Promise((r) => setTimeout(r, 1));
      expect(Atomics.load(ctrl, kernel.outbox.sleepersAt)).to.equal(1);
      kernel.outbox.writer.reset();
      kernel.outbox.writer.u32(0x01020304);
      kernel.outbox.publish(kernel.outbox.writer.position);
      expect(await answer).to.deep.equal([4, 3, 2, 1]);
      expect(Atomics.load(ctrl, kernel.outbox.sleepersAt)).to.equal(0);
      expect(kernel.outbox.full).to.equal(false);
    } finally {
      await worker.terminate();
    }
  });
});

describe('channel: what a side accepts from its peer', () => {
  const impl: Implementations = { kernel: { register_netdev: () => 0, kernel_echo: (x: number) => x } };

  function pair() {
    return { k: new Codec(plan, new ObjectTable('kernel')), u: new Codec(plan, new ObjectTable('user')), w: new WireWriter(new ArrayBuffer(4096)) };
  }

  it('a downcall decodes, with its arguments applied, and says whether it is nested', () => {
    const { k, u, w } = pair();
    const { iface, fn: f } = fn('kernel', 'register_netdev');
    const dev: NetDevice = { name: 'wlan0', flags: 1, mtu: 2304, priv: null };
    const m = classify(k, limits, u.encodeCall(w, iface, f, [dev], 9, true).slice(), 'downcall', impl);
    expect(m.kind).to.equal('call');
    if (m.kind !== 'call') return;
    expect(m.callId).to.equal(9);
    expect(m.nested).to.equal(true);
    expect(m.args[0]).to.deep.equal(dev);
  });

  it('a u-driver cannot call a critical function, an upcall, or one the kernel does not implement (ENOSYS)', () => {
    const { k, u, w } = pair();
    for (const [iface, name, why] of [
      ['net_device_ops', 'start_xmit', /start_xmit is a critical, not a downcall/],
      ['net_device_ops', 'echo', /echo is an upcall, not a downcall/],
      ['kernel', 'failing', /kernel.failing is not implemented/],
    ] as const) {
      const { iface: i, fn: f } = fn(iface, name);
      const m = classify(k, limits, u.encodeCall(w, i, f, [1], 3).slice(), 'downcall', impl);
      expect(m.kind, name).to.equal('refuse');
      if (m.kind !== 'refuse') continue;
      expect(m.errno).to.equal(38);
      expect(m.callId).to.equal(3);
      expect(m.message).to.match(why);
    }
  });

  it('another module version is EINVAL, malformed arguments EPROTO, an unanswerable message garbage', () => {
    const { k, w } = pair();
    const { iface, fn: f } = fn('kernel', 'kernel_echo');
    const u2 = new Codec(channelPlan(2), new ObjectTable('user'));
    const v = classify(k, limits, u2.encodeCall(w, iface, f, [1], 4).slice(), 'downcall', impl);
    expect(v.kind === 'refuse' && v.errno).to.equal(22);

    const bytes = new Codec(plan, new ObjectTable('user')).encodeCall(w, iface, f, [1], 5).slice();
    const short = new Uint8Array(bytes.length + 4);
    short.set(bytes);
    const bad = classify(k, limits, short, 'downcall', impl); // payload length disagrees with the bytes
    expect(bad.kind === 'refuse' && bad.errno).to.equal(71);
    expect(bad.kind === 'refuse' && bad.callId).to.equal(5);

    const garbage = classify(k, limits, new Uint8Array(7), 'downcall', impl);
    expect(garbage.kind).to.equal('garbage');
  });

  it('an error reply follows docs/wire-format.md and becomes RemoteError naming the function', () => {
    const { k, w } = pair();
    const { iface, fn: f } = fn('net_device_ops', 'echo');
    const length = encodeErrorReply(w, 1, iface.id, f.id, 12, 5, 'it broke');
    const bytes = w.written().slice();
    expect(length).to.equal(bytes.length);
    // u32 errno, u32 length, the bytes, nothing after.
    expect(new DataView(bytes.buffer).getUint32(32, true)).to.equal(5);
    expect(new DataView(bytes.buffer).getUint32(36, true)).to.equal(8);
    expect(bytes.length).to.equal(32 + 8 + 8);
    const m = classify(k, limits, bytes, 'upcall', {});
    expect(m.kind).to.equal('reply');
    if (m.kind !== 'reply') return;
    expect(() => settleReply(k, limits, bytes, m.header, iface, f, 12, [1])).to.throw(RemoteError, 'net_device_ops.echo: the peer answered EIO (5): it broke');
  });

  it('a reply to another interface is EPROTO', () => {
    const { k, w } = pair();
    const { iface, fn: f } = fn('net_device_ops', 'echo');
    w.reset();
    const at = encodeHeader(w, { moduleVersion: 1, kind: MessageKind.Reply, flags: 0, interfaceId: iface.id + 1, functionId: f.id, callId: 1, payloadLength: 0, objectCount: 0 });
    w.u32(2);
    finishHeader(w, at, 0);
    const bytes = w.written().slice();
    const m = classify(k, limits, bytes, 'upcall', {});
    if (m.kind !== 'reply') throw new Error('expected a reply');
    expect(() => settleReply(k, limits, bytes, m.header, iface, f, 1, [1])).to.throw(WireError, /reply names interface/);
  });

  it('an exception is answered with its own errno, else EIO, and a message the wire can carry', () => {
    expect(errnoOf(new Error('x'))).to.equal(5);
    expect(errnoOf(Object.assign(new Error('x'), { errno: 19 }))).to.equal(19);
    expect(errnoOf(new TimeoutError('i', 'f', 1))).to.equal(110);
    expect(errnoOf('thrown string')).to.equal(5);
    expect(describeError(new Error('a\0b\uD800c'))).to.equal('a\\0b\uFFFDc');
  });
});
