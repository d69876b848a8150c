// runtime/c/mdidl_wire.h against hostile bytes, under ASan and UBSan (UBSan alone where ASan
// cannot run: the fallback is printed, see sanitizerFlags): every truncation of each shared
// vector, a few thousand seeded mutations of each, random garbage and random call sequences
// (test/c/wire_hostile.c). A sanitizer finding aborts the program and fails the test; the program
// itself checks that every call returns 0 or a negative errno and leaves a consistent state.
//
// Every input decoded as a vector is also decoded here by the TypeScript runtime, the reference:
// both must accept the same inputs and reject the others at the same byte.
import { expect } from 'chai';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { buildProgram, loadVectors, runProgram, sanitizerFlags, tsDecode, vectorsC, type AnyVector } from './vectors.js';

const EPROTO = 71;

interface Record {
  index: number;
  bytes: Uint8Array;
  rc: number;
  offset: number;
}

function parseRecords(buf: Buffer): Record[] {
  const out: Record[] = [];
  let at = 0;
  while (at < buf.length) {
    if (at + 8 > buf.length) throw new Error(`records: truncated head at ${at}`);
    const index = buf.readUInt32LE(at);
    const len = buf.readUInt32LE(at + 4);
    if (at + 8 + len + 8 > buf.length) throw new Error(`records: truncated record at ${at}`);
    const bytes = new Uint8Array(buf.subarray(at + 8, at + 8 + len));
    const rc = buf.readInt32LE(at + 8 + len);
    const offset = buf.readUInt32LE(at + 12 + len);
    out.push({ index, bytes, rc, offset });
    at += 16 + len;
  }
  return out;
}

describe('runtime/c: hostile input', function () {
  this.timeout(90000);
  const vectors: AnyVector[] = loadVectors();
  let stdout = '';
  let stderr = '';
  let status: number | null = null;
  let records: Record[] = [];

  before(function () {
    const san = sanitizerFlags();
    if (san.fallback) console.log(`    NOTE: AddressSanitizer unavailable, UBSan only: ${san.fallback}`);
    const prog = buildProgram('mdl-c-hostile-', vectorsC(vectors), 'wire_hostile.c');
    try {
      const file = path.join(prog.dir, 'records.bin');
      const run = runProgram(prog.exe, [file], 60000);
      stdout = run.stdout;
      stderr = run.stderr;
      status = run.status;
      // A run that aborted leaves a cut record file; its failure is reported by the first test.
      if (status === 0 && fs.existsSync(file)) records = parseRecords(fs.readFileSync(file));
    } finally {
      prog.cleanup();
    }
    const inputs = /^inputs (\d+)$/m.exec(stdout);
    console.log(`    ${inputs ? inputs[1] : 'no count of'} inputs tried (${san.fallback ? 'UBSan only' : 'ASan + UBSan'}); ${records.length} compared with the TypeScript decoder`);
  });

  it('runs to the end without a sanitizer finding or a failed check', () => {
    const out = `${stdout}\n${stderr}`.slice(0, 20000);
    expect(stderr, out).not.to.match(/Sanitizer|runtime error/);
    expect(status, out).to.equal(0);
    expect(stdout, out).to.match(/^failures 0$/m);
  });

  it('tries every truncation, thousands of mutations per vector, garbage and call sequences', () => {
    const count = (what: string) => Number(new RegExp(`^${what} (\\d+)$`, 'm').exec(stdout)?.[1] ?? 0);
    const truncations = vectors.reduce((n, a) => n + a.v.hex.length / 2 + 1, 0);
    expect(count('truncations')).to.equal(truncations);
    expect(count('mutations')).to.be.at.least(vectors.length * 2000);
    expect(count('garbage')).to.be.at.least(2000);
    expect(count('reader calls')).to.be.at.least(10000);
    expect(count('writer calls')).to.be.at.least(1000);
    expect(count('inputs')).to.be.at.least(100000);
  });

  it('accepts and rejects exactly what the TypeScript runtime does, at the same byte', () => {
    expect(records.length).to.be.at.least(vectors.length * 2000);
    const mismatches: string[] = [];
    let accepted = 0;
    for (const rec of records) {
      const a = vectors[rec.index];
      if (!a) throw new Error(`record for vector ${rec.index}, which does not exist`);
      expect(rec.rc === 0 || rec.rc === -EPROTO, `C returned ${rec.rc}`).to.equal(true);
      const ts = tsDecode(a, rec.bytes);
      const hex = Buffer.from(rec.bytes).toString('hex');
      if (ts === null && rec.rc !== 0) mismatches.push(`${a.v.name} ${hex}: TS accepts, C rejects at ${rec.offset}`);
      else if (ts !== null && rec.rc === 0) mismatches.push(`${a.v.name} ${hex}: C accepts, TS rejects at ${ts.offset}: ${ts.reason}`);
      else if (ts !== null && ts.offset !== rec.offset) mismatches.push(`${a.v.name} ${hex}: C rejects at ${rec.offset}, TS at ${ts.offset}: ${ts.reason}`);
      if (rec.rc === 0) accepted++;
    }
    expect(mismatches.length, mismatches.slice(0, 10).join('\n')).to.equal(0);
    // Mutations that keep a message valid must occur, or the comparison says little about acceptance.
    expect(accepted).to.be.greaterThan(vectors.length);
  });
});
