// Which attributes exist, where each may appear and how many arguments it takes. One table, so
// the attribute rule, the docs and the IR agree on the vocabulary.
export type Place =
  | 'field'
  | 'param'
  | 'return'
  | 'function'
  | 'interface'
  | 'struct'
  | 'union'
  | 'enum'
  | 'callback'
  | 'typedef'
  | 'const'
  | 'enumMember';

export interface AttributeSpec {
  on: readonly Place[];
  /** Argument count (the least, when maxArgs is given). */
  args: number;
  /** The most arguments, when some are optional. */
  maxArgs?: number;
  /** Arguments that must be bare names (a type, a field or a parameter) rather than expressions. */
  nameArgs: boolean;
  /** The index of the one argument that may also be a member path `a.b` through embedded structs. */
  pathArg?: number;
  /** Arguments that are string literals (a C header path); no other attribute takes strings. */
  stringArgs?: boolean;
  summary: string;
}

const VALUE: Place[] = ['field', 'param', 'return'];

export const ATTRIBUTES: Readonly<Record<string, AttributeSpec>> = {
  string: { on: VALUE, args: 0, nameArgs: false, summary: 'NUL-terminated string' },
  max: { on: VALUE, args: 1, nameArgs: false, summary: 'upper bound on a string length or element count' },
  count: { on: VALUE, args: 1, nameArgs: false, summary: 'pointer to this many elements' },
  opaque: { on: VALUE, args: 0, nameArgs: false, summary: 'handle, never dereferenced on the other side' },
  ref: { on: VALUE, args: 0, nameArgs: false, summary: 'pointer that is never NULL' },
  as: { on: VALUE, args: 1, nameArgs: true, summary: 'void * or unsigned long that really points to a T' },
  container: { on: VALUE, args: 2, nameArgs: true, pathArg: 1, summary: 'points at a field (or a member path through embedded structs) inside an enclosing struct' },
  interior: { on: VALUE, args: 0, nameArgs: false, summary: 'points into an array the object tables know' },
  switch: { on: ['field', 'param'], args: 1, nameArgs: true, summary: 'discriminant of a union' },
  recursive: { on: ['field'], args: 0, nameArgs: false, summary: 'the nullable link that closes a cycle of types' },
  combolock: { on: ['field'], args: 0, nameArgs: false, summary: 'lock shared by kernel and user code' },
  skip: { on: ['field'], args: 0, nameArgs: false, summary: 'kernel-only state, never marshaled' },
  trailing: { on: ['field'], args: 1, nameArgs: true, summary: 'the area a kernel object carries after itself, which the named C accessor finds (netdev_priv)' },
  in: { on: ['param'], args: 0, nameArgs: false, summary: 'caller to callee (the default)' },
  out: { on: ['param'], args: 0, nameArgs: false, summary: 'callee to caller' },
  inout: { on: ['param'], args: 0, nameArgs: false, summary: 'both ways' },
  header: {
    on: ['struct', 'union', 'enum', 'typedef', 'callback', 'interface'],
    args: 1,
    maxArgs: 2,
    nameArgs: false,
    stringArgs: true,
    summary: 'the type is defined by this C header (and spelled so in C, for a struct without a tag); the kernel C includes it instead of defining the type',
  },
  id: {
    on: ['function', 'interface', 'struct', 'union', 'enum', 'callback'],
    args: 1,
    nameArgs: false,
    summary: 'pins the wire id, so a rename keeps the wire',
  },
};

/** Pairs that contradict each other on one slot. */
export const CONFLICTS: readonly [string, string, string][] = [
  ['string', 'count', 'a string is sized by its terminator; use one of [string] or [count]'],
  ['opaque', 'count', 'a handle is never dereferenced, so it has no elements to count'],
  ['opaque', 'string', 'a handle is never dereferenced, so it cannot be a string'],
  ['opaque', 'as', 'a handle is never dereferenced; [as(T)] makes it a tracked pointer'],
  ['as', 'count', '[as(T)] makes a void * one tracked T; [count(n)] makes it n bytes'],
  ['opaque', 'interior', 'a handle is never dereferenced; it cannot point into an array'],
  ['opaque', 'container', 'a handle is never dereferenced; it cannot point into a struct'],
  ['ref', 'recursive', 'a [recursive] link ends the recursion with NULL, so it cannot be [ref]'],
  ['skip', 'combolock', '[combolock] already keeps the lock out of every message'],
  ['in', 'out', 'use [inout] for a parameter that goes both ways'],
  ['in', 'inout', 'use one direction'],
  ['out', 'inout', 'use one direction'],
  ['interior', 'container', 'use one of [interior] or [container]'],
  ['trailing', 'opaque', 'the trailing area crosses as a tracked object; a handle is never dereferenced'],
  ['trailing', 'as', 'a trailing area is a typed pointer to its struct already'],
  ['trailing', 'count', 'a trailing area is one object, not an array'],
  ['trailing', 'string', 'a trailing area is a struct, not text'],
  ['trailing', 'interior', 'a trailing area is an object of its own, not a position in an array'],
  ['trailing', 'container', 'a trailing area follows its owner; it is not a field inside another struct'],
  ['trailing', 'skip', 'a [skip] field never crosses; leave out the trailing field instead'],
  ['trailing', 'combolock', 'a lock is not an area'],
  ['trailing', 'recursive', 'a trailing area is never NULL, so it closes no cycle'],
];
