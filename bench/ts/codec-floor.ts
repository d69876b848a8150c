// A floor for bench/sections/ts-codec.ts: what the probe's ring costs to carry when nothing but
// the fields is done. Hand-written straight-line code that knows the ring's shape writes each
// node's fields (value, label, the 32 items, stamp, and its two links as ring indices) into a
// private buffer, then reads them back into shadow nodes made once: no header, no object tables,
// no access sets, no bounds checks, no staging. It is not a codec (it trusts its bytes and cannot
// say who a pointer names without knowing the ring); it says how much of the codec's time the
// JavaScript work of moving these fields takes by itself, against Uint8Array.set of the bytes.
import type { ProbeNode } from '../../runtime/ts/probe/index.js';

export interface CodecFloor {
  /** Writes every node's fields, then reads them back into the shadows. */
  run(): void;
  /** The shadows the last run filled. */
  readonly shadows: ProbeNode[];
}

/** `ring[i].next` is `ring[i + 1]` and `peer` is half-way round, as probeRing makes it. */
export function codecFloor(ring: readonly ProbeNode[]): CodecFloor {
  const n = ring.length;
  const items = ring[0]?.items?.length ?? 0;
  const labelMax = 32;
  // Per node: value u32, label length u32, label bytes (max 32), items, stamp u64, next, peer.
  const stride = (4 + 4 + labelMax + 4 * items + 8 + 4 + 4 + 7) & ~7;
  const buf = new ArrayBuffer(stride * n);
  const bytes = new Uint8Array(buf);
  const view = new DataView(buf);
  const words = new Uint32Array(buf);
  // The links as ring indices, found once: the floor knows the ring and looks nothing up.
  const index = new Map<ProbeNode, number>(ring.map((node, i) => [node, i]));
  const nextOf = ring.map((node) => index.get(node.next!)!);
  const peerOf = ring.map((node) => index.get(node.peer!)!);
  const encoder = new TextEncoder();
  const decoder = new TextDecoder();
  const shadows: ProbeNode[] = ring.map(() => ({ value: 0, label: '', next: null, peer: null, n: 0, items: new Uint32Array(items), stamp: 0n }));
  const itemsAt = 8 + labelMax;
  const stampAt = itemsAt + 4 * items;

  function write(): void {
    for (let i = 0; i < n; i++) {
      const node = ring[i]!;
      const at = i * stride;
      view.setUint32(at, node.value, true);
      // ASCII by hand (short labels: a call to TextEncoder costs more than the loop).
      const label = node.label;
      let written = 0;
      if (label.length <= labelMax) {
        for (; written < label.length; written++) {
          const c = label.charCodeAt(written);
          if (c > 0x7f) break;
          bytes[at + 8 + written] = c;
        }
      }
      if (written < label.length) written = encoder.encodeInto(label, bytes.subarray(at + 8, at + 8 + labelMax)).written;
      view.setUint32(at + 4, written, true);
      // Element by element: for 32 words a loop beats making a view to `set` from.
      const src = node.items!;
      for (let k = 0, w = (at + itemsAt) >> 2; k < items; k++) words[w + k] = src[k]!;
      view.setBigUint64(at + stampAt, node.stamp, true);
      view.setUint32(at + stampAt + 8, nextOf[i]!, true);
      view.setUint32(at + stampAt + 12, peerOf[i]!, true);
    }
  }

  function read(): void {
    for (let i = 0; i < n; i++) {
      const s = shadows[i]!;
      const at = i * stride;
      s.value = view.getUint32(at, true);
      const length = view.getUint32(at + 4, true);
      // ASCII by hand again: a short label is built faster a character at a time than by a decoder call.
      let label = '';
      for (let k = 0; k < length; k++) {
        const c = bytes[at + 8 + k]!;
        if (c > 0x7f) {
          label = decoder.decode(bytes.subarray(at + 8, at + 8 + length));
          break;
        }
        label += String.fromCharCode(c);
      }
      s.label = label;
      s.n = items;
      const dst = s.items!;
      for (let k = 0, w = (at + itemsAt) >> 2; k < items; k++) dst[k] = words[w + k]!;
      s.stamp = view.getBigUint64(at + stampAt, true);
      s.next = shadows[view.getUint32(at + stampAt + 8, true)]!;
      s.peer = shadows[view.getUint32(at + stampAt + 12, true)]!;
    }
  }

  return {
    shadows,
    run() {
      write();
      read();
    },
  };
}
