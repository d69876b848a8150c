// The sidecar annotation file's model: annotations for code nobody can edit (kernel headers, upstream
// drivers), attached by name. `lower` merges them into the declarations it reads as if they had been
// written there; `split` reads roles and summaries from them and writes its own findings in the same
// form. The text format and its parser live beside this file (docs/annotations.md, "Sidecar files").
import type { CAttribute, CLoc, CToken } from '../lower/c-ast.js';

/** What an entry names. */
export type SidecarTarget =
  /** `owner.member`: a field of a struct or union (by tag or typedef name), or an ops-table member. */
  | { kind: 'member'; owner: string; member: string }
  /** `fn(param)`: a parameter of a function, by name. */
  | { kind: 'param'; fn: string; param: string }
  /** `fn()`: a function's return value. */
  | { kind: 'return'; fn: string }
  /** `fn`: a function (its role, or a summary of what it reads and writes). */
  | { kind: 'function'; name: string }
  /** `owner.member(param)`: a parameter of an ops-table member (a function pointer field), by name. */
  | { kind: 'memberParam'; owner: string; member: string; param: string }
  /** `owner.member()`: an ops-table member's return value. */
  | { kind: 'memberReturn'; owner: string; member: string };

export interface SidecarEntry {
  target: SidecarTarget;
  /**
   * The annotations, in the form the C front end gives attribute lists: `count(ETH_ALEN)` is
   * `{ name: 'mdl_count', args: [[ETH_ALEN]] }`, so one reader (compiler/lower/annotations.ts)
   * interprets header attributes and sidecar lines alike. Locations point into the sidecar file.
   */
  attrs: CAttribute[];
  /** The entry's target, for diagnostics ("no field 'x' in struct net_device"). */
  loc: CLoc;
  /**
   * `sized(e) max(n)` on an ops-table member's parameter: a buffer the kernel sized before the call
   * (docs/split.md, "Buffers the kernel sizes"). Only `split` reads it; neither word is in `attrs`,
   * since `lower` has no meaning for an expression the kernel evaluates.
   */
  sized?: SizedBuffer;
}

export interface SizedBuffer {
  /** The kernel C expression, its tokens and its text as written. */
  expr: CToken[];
  text: string;
  /** The bound, as written (the IDL's `max`). */
  max: string;
  loc: CLoc;
}

export interface Sidecar {
  /** The file as given on the command line or in the config, for diagnostics. */
  file: string;
  entries: SidecarEntry[];
  /** Lines holding at least one annotation: what `report` counts as annotation lines. */
  annotationLines: number;
}
