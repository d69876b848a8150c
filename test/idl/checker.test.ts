// One case per rejection class: each asserts the complete list of diagnostics, message and
// position, so a rule that starts reporting noise elsewhere fails too.
import { expect } from 'chai';
import { brief, checkSources, diagnose } from '../helpers.js';

interface Case {
  name: string;
  src: string;
  want: string[];
}

// Sources are prefixed with `module t version 1;`, so the first line of `src` is line 2.
/** A [container] choosing among n work items of one struct. */
function choiceOf(n: number): string {
  const names = Array.from({ length: n }, (_, i) => `f${i}`);
  return `struct work { u32 p; }\nstruct ad { ${names.map((f) => `work ${f};`).join(' ')} }\nstruct s { [container(ad, ${names.join(' | ')})] work *p; }`;
}

const CASES: Case[] = [
  // ---- names ----
  { name: 'duplicate declaration', src: 'const A = 1;\nstruct A { u32 x; }', want: ["3:8 error: 'A' is already declared"] },
  { name: 'enum member clashes with a constant', src: 'const UP = 1;\nenum e { UP }', want: ["3:10 error: 'UP' is already declared"] },
  { name: 'redeclared builtin', src: 'struct u32 { u8 x; }', want: ["2:8 error: 'u32' is a built-in type and cannot be redeclared"] },
  { name: 'C keyword as a field name', src: 'struct s { u32 int; }', want: ["2:16 error: 'int' is a C keyword and cannot name a field"] },
  { name: 'reserved prefix', src: 'struct mdl_x { u32 a; }', want: ["2:8 error: names starting with 'mdl_' are reserved for generated code"] },
  { name: 'duplicate field', src: 'struct s { u32 a; u8 a; }', want: ["2:22 error: field 'a' is declared twice in 's'"] },
  { name: 'duplicate parameter', src: 'interface i { upcall void f(u32 a, u32 a); }', want: ["2:40 error: parameter 'a' is declared twice in 'f'"] },
  { name: 'duplicate function', src: 'interface i { upcall void f(); downcall void f(); }', want: ["2:46 error: function 'f' is declared twice in 'i'"] },
  // ---- types ----
  { name: 'unknown type with suggestion', src: 'struct dev { u32 a; }\nstruct s { dv *d; }', want: ["3:12 error: unknown type 'dv' (did you mean 'dev'?)"] },
  { name: 'constant used as a type', src: 'const N = 1;\nstruct s { N x; }', want: ["3:12 error: 'N' is a constant, not a type"] },
  { name: 'void field', src: 'struct s { void x; }', want: ["2:17 error: field 'x' cannot have type void; use a pointer or remove it"] },
  { name: 'ops table by value', src: 'interface ops { upcall void f(); }\nstruct s { ops o; }', want: ["3:12 error: ops table 'ops' can only be used through a pointer: write 'ops *'"] },
  { name: 'incomplete struct by value', src: 'struct pci;\nstruct s { pci p; }', want: ["3:12 error: struct 'pci' is only declared, so field 'p' cannot hold one by value"] },
  { name: 'enum over a non-integer', src: 'enum e : bool { A }', want: ["2:10 error: an enum's underlying type must be an integer type, not bool"] },
  { name: 'typed constant of a non-integer type', src: 'const char C = 1;', want: ["2:7 error: a constant's type must be an integer type, not char"] },
  { name: 'typedef cycle', src: 'typedef b a;\ntypedef a b;\nstruct s { a x; }', want: ["2:11 error: typedef 'a' is defined in terms of itself"] },
  { name: 'zero-length array', src: 'struct s { u8 a[0]; }', want: ['2:17 error: array size must be positive, got 0'] },
  // ---- constants ----
  { name: 'unknown constant', src: 'const A = 1;\nconst B = AA + 1;', want: ["3:11 error: unknown constant 'AA' (did you mean 'A'?)"] },
  { name: 'type used as a constant', src: 'struct s { u8 a; }\nconst B = s;', want: ["3:11 error: 's' is a type, not a constant (use sizeof(s) for its size)"] },
  { name: 'constant cycle', src: 'const A = B;\nconst B = A + 1;', want: ["2:7 error: 'A' is defined in terms of itself"] },
  { name: 'division by zero', src: 'const A = 4 / (2 - 2);', want: ['2:16 error: division by zero in constant expression'] },
  { name: 'sizeof(void)', src: 'const A = sizeof(void);', want: ['2:18 error: void has no size'] },
  { name: 'bad shift', src: 'const A = 1 << 64;', want: ['2:16 error: shift count 64 is outside 0..63'] },
  { name: '64-bit overflow', src: 'const A = 0xffffffffffffffff + 1;', want: ['2:11 error: constant expression overflows 64 bits'] },
  { name: 'constant out of its type', src: 'const u8 A = 256;', want: ['2:14 error: 256 does not fit u8 (0..255)'] },
  { name: 'empty enum', src: 'enum e {}', want: ["2:6 error: enum 'e' has no members"] },
  { name: 'enum value out of range', src: 'enum e : u8 { A = 255, B }', want: ["2:24 error: enum member 'B' = 256 does not fit u8 (0..255)"] },
  // ---- layout ----
  { name: 'embedded cycle', src: 'struct a { b x; }\nstruct b { u32 n; a y[2]; }', want: ["3:19 error: 'a' contains itself by value, so its size would be infinite; make one link a pointer"] },
  { name: 'self-embedding struct', src: 'struct a { u8 n; a inner; }', want: ["2:18 error: 'a' contains itself by value, so its size would be infinite; make one link a pointer"] },
  { name: 'type too large', src: 'struct s { u64 a[0x10000001]; }', want: ['2:12 error: u64[268435457] is larger than 2 GiB'] },
  // ---- attributes ----
  { name: 'unknown attribute with suggestion', src: 'struct s { [strng] char n[8]; }', want: ["2:13 error: unknown attribute 'strng' (did you mean 'string'?)"] },
  { name: 'misplaced attribute', src: 'struct s { [out] u32 *p; }', want: ['2:13 error: [out] does not apply to a field; it goes on a parameter'] },
  { name: 'duplicate attribute', src: 'struct s { [opaque, opaque] u8 *p; }', want: ['2:21 error: [opaque] is given twice'] },
  { name: 'wrong argument count', src: 'struct s { u32 n; [count] u8 *p; }', want: ['2:20 error: [count] takes one argument, got 0'] },
  { name: 'expression where a name is needed', src: 'struct t { u8 a; }\nstruct s { [as(t + 1)] void *p; }', want: ['3:16 error: the arguments of [as] are names, not expressions'] },
  { name: 'conflicting attributes', src: 'struct s { u32 n; [string, count(n)] char *p; }', want: ['2:28 error: [string] and [count] conflict: a string is sized by its terminator; use one of [string] or [count]'] },
  // ---- pointers ----
  { name: 'pointer attribute on a scalar', src: 'struct s { [ref] u32 x; }', want: ["2:13 error: [ref] applies to pointers, but field 'x' has type u32"] },
  { name: 'count on a fixed array', src: 'struct s { u32 n; [count(n)] u8 a[4]; }', want: ["2:20 error: [count] sizes a pointer; field 'a' is a fixed array whose size is 4"] },
  { name: 'void pointer', src: 'struct s { void *p; }', want: ["2:18 error: field 'p' is a void pointer: mark it [opaque] if the other side only passes it back, [as(T)] if it points to a T, or [count(n)] if it points to n bytes"] },
  { name: 'byte count of a void pointer names a pointer', src: 'struct s { u8 *q; [count(q)] const void *buf; }', want: ["2:26 error: count names field 'q' of type u8 *; a count must be an integer"] },
  { name: 'void pointer both tracked and counted', src: 'struct t { u8 a; }\nstruct s { u32 n; [as(t), count(n)] void *p; }', want: ['3:27 error: [as] and [count] conflict: [as(T)] makes a void * one tracked T; [count(n)] makes it n bytes'] },
  { name: 'pointer to an incomplete struct', src: 'struct pci;\nstruct s { pci *p; }', want: ["3:17 error: struct 'pci' is only declared, so field 'p' cannot be marshaled: mark it [opaque] or define the struct"] },
  { name: 'as on a signed integer', src: 'struct t { u8 a; }\nstruct s { [as(t)] s64 cookie; }', want: ["3:13 error: [as(T)] applies to a void * or an unsigned integer as wide as a pointer (ulong; u64 on lp64, u32 on ilp32), but field 'cookie' has type s64"] },
  { name: 'as naming a scalar', src: 'struct s { [as(u32)] void *p; }', want: ["2:16 error: [as(T)] names the struct or union the pointer really points to; 'u32' is u32"] },
  { name: 'char pointer without string (warning)', src: 'struct s { char *name; }', want: ["2:18 warning: field 'name' is a char pointer without [string] or [count]: it crosses as one character"] },
  // ---- strings and counts ----
  { name: 'string on a non-char pointer', src: 'struct s { [string] u32 *p; }', want: ["2:13 error: [string] applies to char pointers and char arrays, but field 'p' has type u32 *"] },
  { name: 'count names a missing field', src: 'struct s { u32 len; [count(ln)] u8 *buf; }', want: ["2:28 error: count of field 'buf' names 'ln', which is neither a field of 's' nor a constant"] },
  { name: 'count names a pointer', src: 'struct s { u8 *q; [count(q)] u8 *buf; }', want: ["2:26 error: count names field 'q' of type u8 *; a count must be an integer"] },
  { name: 'count names a skipped field', src: 'struct s { [skip] u32 n; [count(n)] u8 *buf; }', want: ["2:33 error: count names field 'n', which is [skip] and never crosses"] },
  { name: 'count uses a bitwise operator', src: 'struct s { u32 n; [count(n & 3)] u8 *buf; }', want: ["2:26 error: a count uses + - * / only, not '&'"] },
  { name: 'count names a parameter that does not exist', src: 'interface i { upcall void f([count(n)] u8 *buf); }', want: ["2:36 error: count of param 'buf' names 'n', which is neither a parameter of 'f' nor a constant"] },
  { name: 'negative constant count', src: 'struct s { [count(1 - 2)] u8 *buf; }', want: ["2:19 error: count of field 'buf' is negative (-1)"] },
  { name: 'max without count or string', src: 'struct s { [max(4)] u8 *p; }', want: ["2:13 error: [max(n)] bounds a [string] or [count]; field 'p' has neither"] },
  { name: 'max of zero', src: 'struct s { [string, max(0)] char *p; }', want: ['2:25 error: [max(n)] must be within 1..2^31, got 0'] },
  // ---- unions ----
  { name: 'empty union', src: 'union u switch (u8) {}', want: ["2:7 error: union 'u' has no members"] },
  { name: 'case labels without switch', src: 'union u { case 1: u32 a; }', want: ["2:11 error: case labels need a discriminant: declare it as 'union u switch (T)'"] },
  { name: 'non-integer discriminant type', src: 'struct t { u8 a; }\nunion u switch (t) { case 1: u32 a; }', want: ['3:17 error: a union discriminant must be an integer or enum type, not struct t'] },
  { name: 'unlabeled arm', src: 'union u switch (u8) { case 1: u32 a; u16 b; }', want: ["2:42 error: member 'b' of union 'u' needs a 'case' or 'default' label"] },
  { name: 'repeated case', src: 'union u switch (u8) { case 1: u32 a; case 2, 1: u16 b; }', want: ['2:46 error: case 1 repeats'] },
  { name: 'two default arms', src: 'union u switch (u8) { default: u32 a; default: u16 b; }', want: ["2:39 error: union 'u' has two default arms"] },
  { name: 'case outside the discriminant type', src: 'union u switch (u8) { case 300: u32 a; }', want: ['2:28 error: case 300 does not fit the discriminant type u8'] },
  { name: 'case not in the enum', src: 'enum k { A, B }\nunion u switch (k) { case A: u32 a; case 7: u8 b; }', want: ['3:42 error: case 7 is not a value of enum k'] },
  { name: 'union field without switch', src: 'union u switch (u8) { case 1: u32 a; }\nstruct s { u8 k; u v; }', want: ["3:20 error: field 'v' holds union 'u': name its discriminant with [switch(field)]"] },
  { name: 'switch on a non-union', src: 'struct s { u8 k; [switch(k)] u32 v; }', want: ["2:19 error: [switch] applies to unions, but field 'v' has type u32"] },
  { name: 'switch naming a missing field', src: 'union u switch (u8) { case 1: u32 a; }\nstruct s { u8 k; [switch(kk)] u v; }', want: ["3:26 error: [switch(kk)]: no field beside it is named 'kk'"] },
  { name: 'discriminant of the wrong type', src: 'union u switch (u8) { case 1: u32 a; }\nstruct s { u8 *k; [switch(k)] u v; }', want: ["3:27 error: discriminant 'k' must be an integer or enum, not u8 *"] },
  { name: 'discriminant of another enum', src: 'enum a { X }\nenum b { Y }\nunion u switch (a) { case X: u32 v; }\nstruct s { b k; [switch(k)] u v; }', want: ["5:25 error: union 'u' switches on enum a, but 'k' is enum b"] },
  { name: 'plain union marshaled', src: 'union raw { u32 a; u8 b[4]; }\nstruct s { raw r; }', want: ["3:16 error: union 'raw' has no discriminant, so field 'r' cannot be marshaled: mark it [skip] or declare 'union raw switch (T)'"] },
  { name: 'array of discriminated unions', src: 'union u switch (u8) { case 1: u32 a; }\nstruct s { u8 k; [switch(k)] u v[2]; }', want: ["3:32 error: an array of discriminated unions has one discriminant for all elements; wrap the union in a struct with its own discriminant"] },
  { name: 'union returned', src: 'union u switch (u8) { case 1: u32 a; }\ninterface i { upcall u f(); }', want: ["3:22 error: a discriminated union cannot be returned: nothing beside it can hold the discriminant; return a struct that holds both"] },
  // ---- bitfields ----
  { name: 'bitfield too wide', src: 'struct s { u8 f : 9; }', want: ['2:19 error: bitfield width must be within 1..8 for u8, got 9'] },
  { name: 'bitfield of a pointer type', src: 'struct t { u8 a; }\nstruct s { t *p : 3; }', want: ["3:12 error: bitfield 'p' must have an integer, bool or enum type, not struct t *"] },
  { name: 'bitfield in a union', src: 'union u switch (u8) { case 1: u32 a : 3; }', want: ['2:39 error: union members cannot be bitfields'] },
  // ---- ref ----
  { name: 'ref and recursive', src: 'struct n { [ref, recursive] n *next; }', want: ['2:18 error: [ref] and [recursive] conflict: a [recursive] link ends the recursion with NULL, so it cannot be [ref]'] },
  { name: 'ref on a skipped field', src: 'struct t { u8 a; }\nstruct s { [ref, skip] t *p; }', want: ["3:13 error: field 'p' is never sent, so the other side's copy is NULL: it cannot be [ref]"] },
  { name: 'ref counted by zero', src: 'struct s { [ref, count(0)] u8 *p; }', want: ["2:13 error: field 'p' counts zero elements, so it is NULL: it cannot be [ref]"] },
  {
    name: 'struct sent without its ref field',
    src: 'struct t { u8 a; }\nstruct s { u32 flags; [ref] t *peer; }\ninterface i { upcall void f(s *d) reads(d.flags); }',
    want: ["4:27 error: 'f' sends struct 's' without its [ref] field 'peer': a new copy on the other side would hold NULL; add 'peer' to the access set or drop [ref]"],
  },
  // ---- directions ----
  { name: 'out on a value', src: 'interface i { upcall void f([out] u32 v); }', want: ["2:30 error: [out] needs a pointer: param 'v' is passed by value (u32), so nothing can come back"] },
  { name: 'out on a handle', src: 'struct t { u8 a; }\ninterface i { upcall void f([out, opaque] t *v); }', want: ['3:30 error: [out] on a handle: an [opaque] pointer is never dereferenced'] },
  { name: 'out through const', src: 'interface i { upcall void f([out] const u32 *v); }', want: ["2:30 error: [out] writes through param 'v', which points to const data"] },
  { name: 'unbounded out string', src: 'interface i { upcall void f([out, string] char *buf); }', want: ["2:30 error: an [out] string needs [max(n)]: the caller's buffer size"] },
  { name: 'direction on a critical function (warning)', src: 'interface i { critical void f([out] u32 *v); }', want: ["2:32 warning: 'f' is critical and never crosses, so [out] has no effect"] },
  // ---- containers ----
  { name: 'container of a missing field', src: 'struct napi { u32 w; }\nstruct priv { napi n; }\nstruct s { [container(priv, m)] napi *p; }', want: ["4:29 error: struct 'priv' has no field 'm'"] },
  { name: 'container field of another type', src: 'struct napi { u32 w; }\nstruct priv { u32 n; }\nstruct s { [container(priv, n)] napi *p; }', want: ["4:29 error: 'priv.n' has type u32, but field 'p' points to struct napi"] },
  { name: 'container of a non-struct', src: 'struct napi { u32 w; }\nstruct s { [container(u32, n)] napi *p; }', want: ["3:23 error: [container(T, field)] needs a defined struct T; 'u32' is u32"] },
  // A member path `a.b`: each step is checked where it is written (lines 2-5 declare the types).
  { name: 'container path: no such field at a later step', src: 'struct work { u32 p; }\nunion u switch (u32) { case 1: work w; }\nstruct dw { u32 cpu; work w; work *wp; work arr[2]; [switch(cpu)] u un; }\nstruct ad { dw t; }\nstruct s { [container(ad, t.x)] work *p; }', want: ["6:29 error: struct 'dw' has no field 'x' (in ad.t)"] },
  { name: 'container path through a pointer', src: 'struct work { u32 p; }\nunion u switch (u32) { case 1: work w; }\nstruct dw { u32 cpu; work w; work *wp; work arr[2]; [switch(cpu)] u un; }\nstruct ad { dw t; }\nstruct s { [container(ad, t.wp.p)] u32 *p; }', want: ["6:29 error: 'ad.t.wp' is a pointer, not an embedded struct; a member path goes through embedded structs only"] },
  { name: 'container path through an array', src: 'struct work { u32 p; }\nunion u switch (u32) { case 1: work w; }\nstruct dw { u32 cpu; work w; work *wp; work arr[2]; [switch(cpu)] u un; }\nstruct ad { dw t; }\nstruct s { [container(ad, t.arr.p)] u32 *p; }', want: ["6:29 error: 'ad.t.arr' is an array, not an embedded struct; a member path goes through embedded structs only"] },
  { name: 'container path through a scalar', src: 'struct work { u32 p; }\nunion u switch (u32) { case 1: work w; }\nstruct dw { u32 cpu; work w; work *wp; work arr[2]; [switch(cpu)] u un; }\nstruct ad { dw t; }\nstruct s { [container(ad, t.cpu.p)] u32 *p; }', want: ["6:29 error: 'ad.t.cpu' is u32, not an embedded struct; a member path goes through embedded structs only"] },
  { name: 'container path through a union', src: 'struct work { u32 p; }\nunion u switch (u32) { case 1: work w; }\nstruct dw { u32 cpu; work w; work *wp; work arr[2]; [switch(cpu)] u un; }\nstruct ad { dw t; }\nstruct s { [container(ad, t.un.w)] work *p; }', want: ["6:29 error: 'ad.t.un' is union u, not an embedded struct; a member path goes through embedded structs only"] },
  { name: 'container path ending in another type', src: 'struct work { u32 p; }\nunion u switch (u32) { case 1: work w; }\nstruct dw { u32 cpu; work w; work *wp; work arr[2]; [switch(cpu)] u un; }\nstruct ad { dw t; }\nstruct s { [container(ad, t.cpu)] work *p; }', want: ["6:29 error: 'ad.t.cpu' has type u32, but field 'p' points to struct work"] },
  { name: 'container path with an unknown first step', src: 'struct work { u32 p; }\nunion u switch (u32) { case 1: work w; }\nstruct dw { u32 cpu; work w; work *wp; work arr[2]; [switch(cpu)] u un; }\nstruct ad { dw t; }\nstruct s { [container(ad, q.w)] work *p; }', want: ["6:27 error: struct 'ad' has no field 'q'"] },
  { name: 'member path outside [container]', src: 'struct t { u32 n; }\nstruct s { [as(t.n)] void *a; u32 n; [count(t.n)] u8 *b; }\ninterface i { upcall void f([container(t.n, n)] u32 *p); }', want: [
    "3:16 error: [as] takes a name here, not a member path (only the field of [container] may be one)",
    "3:45 error: a count is a number, not a member path",
    "4:40 error: [container] takes a name here, not a member path (only the field of [container] may be one)",
  ] },
  { name: 'container choice: each member checked where it is written', src: 'struct work { u32 p; }\nstruct dw { work w; }\nstruct ad { work a; dw t; work b; u32 c; }\nstruct s { [container(ad, a | t.x | c | t.w)] work *p; }', want: [
    "5:33 error: struct 'dw' has no field 'x' (in ad.t)",
    "5:37 error: 'ad.c' has type u32, but field 'p' points to struct work",
  ] },
  { name: 'container choice: a member listed twice', src: 'struct work { u32 p; }\nstruct dw { work w; }\nstruct ad { work a; dw t; }\nstruct s { [container(ad, a | t.w | t . w)] work *p; }', want: ["5:37 error: member 't.w' is listed twice in [container(ad, ...)]"] },
  { name: 'container choice: more members than allowed', src: choiceOf(65), want: ['4:27 error: [container] lists 65 members; at most 64 are allowed'] },
  { name: 'container choice: 64 members are fine', src: choiceOf(64), want: [] },
  {
    name: 'container choice: 100000 members, one error and no deep walk',
    src: `struct work { u32 p; }\nstruct ad { work f0; }\nstruct s { [container(ad, ${Array(100000).fill('f0').join(' | ')})] work *p; }`,
    want: ['4:27 error: [container] lists 100000 members; at most 64 are allowed'],
  },
  { name: 'container choice: no access path through it', src: 'struct work { u32 p; }\nstruct ad { work a; work b; }\ninterface i { downcall void f([container(ad, a | b)] work *w) reads(w.p); }', want: ["4:71 error: 'w' is a [container] pointer to one of several members: its fields cannot be in reads(...) or writes(...)"] },
  { name: 'container choice only on [container]', src: 'struct t { u32 n; }\nstruct s { [as(n | t)] void *a; u32 n; }', want: ['3:16 error: the arguments of [as] are names, not expressions'] },
  { name: 'interior void pointer', src: 'struct s { [interior] void *p; }', want: ["2:13 error: [interior] needs the element type; field 'p' is a void pointer"] },
  // ---- access paths ----
  { name: 'unknown path root', src: 'struct d { u32 flags; }\ninterface i { upcall void f(d *dev) reads(de.flags); }', want: ["3:43 error: 'f' has no parameter 'de' (did you mean 'dev'?)"] },
  { name: 'unknown field in a path', src: 'struct d { u32 flags; }\ninterface i { upcall void f(d *dev) reads(dev.flag); }', want: ["3:47 error: struct 'd' has no field 'flag' (did you mean 'flags'?)"] },
  { name: 'path through a scalar', src: 'struct d { u32 flags; }\ninterface i { upcall void f(d *dev) reads(dev.flags.x); }', want: ["3:53 error: 'dev.flags' has type u32, which has no fields"] },
  { name: 'path through a handle', src: 'struct p { u32 x; }\nstruct d { [opaque] p *pdev; }\ninterface i { upcall void f(d *dev) reads(dev.pdev.x); }', want: ["4:52 error: 'dev.pdev' is an [opaque] handle: its fields never cross"] },
  { name: 'path through a skipped field', src: 'struct d { [skip] u32 lock; }\ninterface i { upcall void f(d *dev) reads(dev.lock); }', want: ["3:47 error: 'd.lock' is [skip] and never crosses"] },
  { name: 'path into an ops table', src: 'interface ops { upcall void g(); }\nstruct d { const ops *o; }\ninterface i { upcall void f(d *dev) reads(dev.o.g); }', want: ["4:49 error: 'dev.o' is an ops table: it crosses as a table id, not as fields"] },
  { name: 'write through const', src: 'struct d { u32 flags; }\ninterface i { upcall void f(const d *dev) writes(dev.flags); }', want: ["3:54 error: 'dev' points to const data, so it cannot be in writes(...)"] },
  { name: 'write to a by-value parameter', src: 'struct d { u32 flags; }\ninterface i { upcall void f(d dev) writes(dev.flags); }', want: ["3:43 error: 'dev' is passed by value: writes to it cannot come back to the caller"] },
  { name: 'read of an out parameter', src: 'struct d { u32 flags; }\ninterface i { upcall void f([out] d *dev) reads(dev.flags); }', want: ["3:49 error: 'dev' is [out]: the callee does not read it, so it has no place in reads(...)"] },
  { name: 'wildcard on a scalar', src: 'interface i { upcall void f(u32 *x) reads(x.*); }', want: ["2:43 error: 'x' has type u32 *, which has no fields"] },
  { name: 'bare root (warning)', src: 'struct d { u32 flags; }\ninterface i { upcall void f(d *dev) reads(dev); }', want: ["3:43 warning: 'dev' itself always crosses; name its fields, or 'dev.*' for all of them"] },
  { name: 'duplicate path (warning)', src: 'struct d { u32 flags; }\ninterface i { upcall void f(d *dev) reads(dev.flags, dev->flags); }', want: ["3:54 warning: 'dev.flags' is listed twice in reads(...)"] },
  { name: 'access set on a critical function (warning)', src: 'struct d { u32 flags; }\ninterface i { critical void f(d *dev) reads(dev.flags); }', want: ["3:29 warning: 'f' is critical and never crosses, so its reads/writes have no effect"] },
  { name: 'pointer to pointer in a field', src: 'struct t { u8 a; }\nstruct s { t **pp; }', want: ["3:16 error: field 'pp' is a pointer to a pointer: only an [out] parameter can hand back a tracked object this way (T **); mark it [opaque] if it is only passed back"] },
  { name: 'array of void pointers', src: 'struct s { void *c[2]; }', want: ["2:18 error: field 'c' is a void pointer: mark it [opaque] if the other side only passes it back, [as(T)] if it points to a T, or [count(n)] if it points to n bytes"] },
  { name: 'bool bitfield wider than one bit', src: 'struct s { bool b : 3; }', want: ['2:21 error: bitfield width must be within 1..1 for bool, got 3'] },
  { name: 'literal beyond 64 bits', src: 'const B = 99999999999999999999999;', want: ['2:11 error: constant expression overflows 64 bits'] },
  { name: 'bitwise result beyond 64 bits', src: 'const A = -1 ^ (1 << 63);', want: ['2:11 error: constant expression overflows 64 bits'] },
  { name: 'multi-dimensional array described in C order', src: 'struct s { [string] u32 m[4][16]; }', want: ["2:13 error: [string] applies to char pointers and char arrays, but field 'm' has type u32[4][16]"] },
  {
    name: 'out object not written back',
    src: 'struct info { u32 a; }\ninterface i { upcall void f([out] info *o) reads() writes(); }',
    want: ["3:41 error: 'o' is [out], but writes(...) brings none of its fields back: add 'o.*' or the fields the callee fills"],
  },
  {
    name: 'struct sent as identity only, without its ref field',
    src: 'struct t { u8 a; }\nstruct s { u32 flags; [ref] t *peer; }\ninterface i { upcall void f(s *d) reads() writes(); }',
    want: ["4:27 error: 'f' sends struct 's' without its [ref] field 'peer': a new copy on the other side would hold NULL; add 'peer' to the access set or drop [ref]"],
  },
  // ---- ids ----
  { name: 'id out of range', src: 'interface i { [id(0)] upcall void f(); }', want: ['2:19 error: [id(n)] must be within 1..2147483647, got 0'] },
  { name: 'id collision', src: 'interface i { [id(7)] upcall void f(); [id(7)] downcall void g(); }', want: ["2:62 error: function 'g' has wire id 7, the same as 'f'; pin one with [id(n)]"] },
];

describe('checker: every rejection class', () => {
  for (const c of CASES) {
    it(c.name, () => {
      expect(diagnose(c.src)).to.deep.equal(c.want);
    });
  }
});

describe('checker: modules and imports', () => {
  it('requires a module declaration', () => {
    const r = checkSources({ 'a.mdl': 'const A = 1;' });
    expect(r.diagnostics.map(brief)).to.deep.equal([
      "1:1 error: file has no module declaration; start it with 'module <name> version <n>;'",
    ]);
  });
  it('rejects a version outside 0..65535', () => {
    const r = checkSources({ 'a.mdl': 'module a version 65536;' });
    expect(r.diagnostics.map(brief)).to.deep.equal(['1:18 error: module version must be within 0..65535, got 65536']);
  });
  it('resolves names across imports, both ways and through cycles', () => {
    const r = checkSources({
      'drv.mdl': 'module drv version 1;\nimport "kernel.mdl";\nstruct priv { net_device *dev; }',
      'kernel.mdl': 'module kernel version 1;\nimport "drv.mdl";\nstruct net_device { priv *p; }',
    });
    expect(r.diagnostics.map(brief)).to.deep.equal([]);
    expect(r.ir!.modules.map((m) => m.name)).to.deep.equal(['drv', 'kernel']);
  });
  it('reports a missing import at the import', () => {
    const r = checkSources({ 'drv.mdl': 'module drv version 1;\nimport "nope.mdl";' });
    expect(r.diagnostics.map((d) => `${d.loc.file}:${brief(d)}`)).to.deep.equal([
      "drv.mdl:2:1 error: cannot find 'nope.mdl' next to drv.mdl (add an include path with -I)",
    ]);
  });
  it('reports the same module name in two files', () => {
    const r = checkSources({ 'a.mdl': 'module m version 1;\nimport "b.mdl";', 'b.mdl': 'module m version 1;' });
    expect(r.diagnostics.map((d) => `${d.loc.file}:${brief(d)}`)).to.deep.equal([
      "b.mdl:1:8 error: module 'm' is also declared by a.mdl",
    ]);
  });
  it('reports a duplicate across files with a note at the first', () => {
    const r = checkSources({ 'a.mdl': 'module a version 1;\nimport "b.mdl";\nstruct s { u8 x; }', 'b.mdl': 'module b version 1;\nstruct s { u8 y; }' });
    expect(r.diagnostics.map((d) => `${d.loc.file}:${brief(d)}`)).to.deep.equal(["b.mdl:2:8 error: 's' is already declared"]);
    expect(r.diagnostics[0]!.related![0]!.loc.file).to.equal('a.mdl');
  });
});

describe('checker: what it accepts at the edges', () => {
  it('excuses [skip] fields from saying how a pointer would cross', () => {
    expect(diagnose('struct sk_buff;\nstruct s { [skip] void *v; [skip] sk_buff *skb; }')).to.deep.equal([]);
  });
  it('takes [count(n)] on a void pointer as n bytes, in a field and in a parameter', () => {
    expect(diagnose('struct s { u32 len; [count(len)] void *buf; }\ninterface i { downcall void f(u32 off, [count(len)] const void *addr, ulong len); }')).to.deep.equal([]);
  });
  it('lets an [out] parameter hand back a tracked object as T **', () => {
    expect(diagnose('struct t { u8 a; }\ninterface i { downcall s32 get([out] t **res); }')).to.deep.equal([]);
  });
  it('takes pointer attributes on arrays of pointers, per element', () => {
    expect(diagnose('struct sk_buff;\nstruct s { [opaque] void *c[2]; [opaque] sk_buff *b[4]; }')).to.deep.equal([]);
  });
  it('follows access paths through arrays of pointers', () => {
    expect(diagnose('struct q { u32 x; }\nstruct d { q *parr[4]; }\ninterface i { upcall void f(d *dev) reads(dev.parr.x); }')).to.deep.equal([]);
  });
});

describe('checker: several errors in one run', () => {
  it('reports every problem of a file, sorted by position', () => {
    const got = diagnose('struct s { foo a; [bogus] u32 b; }\nconst X = 1 / 0;\ninterface i { upcall void f([out] u32 v); }');
    expect(got).to.deep.equal([
      "2:12 error: unknown type 'foo'",
      "2:20 error: unknown attribute 'bogus'",
      '3:15 error: division by zero in constant expression',
      "4:30 error: [out] needs a pointer: param 'v' is passed by value (u32), so nothing can come back",
    ]);
  });
});

describe('checker: accepts every construct', () => {
  it('checks a program using every construct without diagnostics', () => {
    const r = checkSources({
      'kernel.mdl': `module kernel version 3;
struct sk_buff;
struct pci_dev;
typedef u64 dma_addr_t;
typedef u8 mac_t[6];
callback s32 irq_handler_t(s32 irq, [opaque] void *dev);
interface kernel {
    downcall s32 request_irq(u32 irq, irq_handler_t handler, ulong flags, [string] const char *name, [opaque] void *dev);
    downcall void free_irq(u32 irq, [opaque] void *dev);
}
`,
      'drv.mdl': `module rtl8139 version 1;
import "kernel.mdl";
const ETH_ALEN = 6;
const u16 MTU = 1500 + sizeof(u32) * (2 << 1);
enum cmd_kind : u8 { CMD_A = 1, CMD_B, CMD_C = 0x10 }
union cmd_arg switch (cmd_kind) {
    case CMD_A: u32 a;
    case CMD_B, CMD_C: u8 b[4];
}
union raw { u32 w; u8 b[4]; }
struct napi_struct { u32 weight; }
struct stats { u64 rx_packets; u64 tx_packets; }
struct rtl8139_private {
    u32 rx_count;
    [count(rx_count * 2), max(4096)] u8 *rx_buf;
    [skip] raw scratch;
    [combolock] u32 lock;
    napi_struct napi;
    [recursive] rtl8139_private *next;
    net_device *dev;
    dma_addr_t ring_dma;
    [interior] u8 *cur;
}
struct net_device {
    [string] char name[16];
    mac_t dev_addr;
    u32 flags;
    u32 up : 1;
    u32 down : 3;
    bool promisc;
    rtl8139_private *priv;
    [opaque] pci_dev *pdev;
    cmd_kind kind;
    [switch(kind)] cmd_arg arg;
    const net_device_ops *ops;
    stats st;
    [as(rtl8139_private)] ulong cookie;
    [container(rtl8139_private, napi)] napi_struct *napi;
    irq_handler_t handler;
    [ref] rtl8139_private *owner;
}
interface net_device_ops {
    upcall s32 ndo_open(net_device *dev) reads(dev.flags, dev.priv.*, dev.owner) writes(dev.flags, dev.priv.rx_buf);
    critical s32 ndo_start_xmit([opaque] sk_buff *skb, net_device *dev);
    [id(42)] upcall s32 get_name(net_device *dev, [out, string, max(16)] char *buf) reads(dev.owner) writes();
    upcall s32 get_regs(net_device *dev, u32 len, [out, count(len)] u8 *regs) reads(dev.**);
    downcall void set_cmd(u8 k, [switch(k), ref] cmd_arg *arg);
}
`,
    }, 'drv.mdl');
    expect(r.diagnostics.map(brief)).to.deep.equal([]);
    expect(r.ir).to.not.equal(null);
  });
});
