// The kernel side sends ndo_open(dev) to the user side, which decodes it into a shadow of dev;
// then two corrupted copies are rejected without touching the shadow or the table.
import { WireError } from '../errors.js';
import { decodeHeader, encodeHeader, finishHeader, MessageKind } from '../header.js';
import { formatId, ObjectTable } from '../object-table.js';
import { WireReader } from '../wire-reader.js';
import { WireWriter } from '../wire-writer.js';

// Ids the IR assigns (made up here).
const NET_DEVICE_OPS = 0x11223344; // interface
const NDO_OPEN = 7; // function
const NET_DEVICE = 0x2a; // struct type

interface NetDevice {
  name: string;
  mtu: number;
}

// ---- kernel side: encode the call ----
const kernel = new ObjectTable('kernel');
const dev: NetDevice = { name: 'eth0', mtu: 1500 };
const shared = new SharedArrayBuffer(256);
const w = new WireWriter(shared);
const headerAt = encodeHeader(w, {
  moduleVersion: 1,
  kind: MessageKind.Call,
  flags: 0,
  interfaceId: NET_DEVICE_OPS,
  functionId: NDO_OPEN,
  callId: 1,
  payloadLength: 0, // set by finishHeader
  objectCount: 0,
});
w.u32(kernel.idOf(dev, NET_DEVICE)); // dev crosses as an id...
w.string(dev.name, 16); // ...with the fields the call reads
w.u32(dev.mtu);
finishHeader(w, headerAt);
const length = w.position;

// ---- user side: check everything, and only then apply ----
const user = new ObjectTable('user');

function receive(bytes: number): NetDevice {
  const r = new WireReader(shared, 0, bytes);
  const h = decodeHeader(r);
  if (h.interfaceId !== NET_DEVICE_OPS || h.functionId !== NDO_OPEN) throw new Error('not ndo_open');
  user.beginStaging();
  try {
    const idAt = r.position;
    const shadow = user.resolve<NetDevice>(r.u32(), NET_DEVICE, () => ({ name: '', mtu: 0 }), idAt);
    const name = r.string(16) ?? '';
    const mtu = r.u32();
    r.expectEnd();
    user.commit();
    shadow.name = name; // the live object changes only after the whole message validated
    shadow.mtu = mtu;
    return shadow;
  } catch (e) {
    user.rollback();
    throw e;
  }
}

const shadow = receive(length);
console.log(`${length} bytes; shadow ${formatId(user.idOf(shadow, NET_DEVICE))}: ${shadow.name}, mtu ${shadow.mtu}`);
console.log(`the same dev again gives the same shadow: ${receive(length) === shadow}`);

const view = new DataView(shared);
const tryCorrupted = (what: string, patch: () => void) => {
  const saved = new Uint8Array(shared.slice(0, length));
  patch();
  try {
    receive(length);
  } catch (e) {
    if (!(e instanceof WireError)) throw e;
    console.log(`${what}: ${e.code} ${e.message}`);
  }
  new Uint8Array(shared).set(saved);
};
tryCorrupted('string too long', () => view.setUint32(36, 1000, true));
tryCorrupted('forged id', () => view.setUint32(32, 0x80000005, true));
console.log(`user table: ${user.size} entry, shadow still ${shadow.name}`);
