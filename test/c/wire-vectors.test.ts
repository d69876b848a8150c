// runtime/c/mdidl_wire.h against the shared vectors: every vector of test/vectors/*.json is
// decoded by the C reader into what its JSON says and re-encoded by the C writer into the same
// bytes, as test/runtime/vectors.test.ts does for the TypeScript runtime. The program is built
// with the brief's flags and run under ASan and UBSan (UBSan alone where ASan cannot run: the
// fallback is printed, see sanitizerFlags).
import { expect } from 'chai';
import { buildProgram, loadVectors, runProgram, sanitizerFlags, vectorsC, type AnyVector } from './vectors.js';

describe('runtime/c: shared vectors', function () {
  this.timeout(60000);
  const vectors: AnyVector[] = loadVectors();
  let lines = new Map<string, string>();
  let output = '';
  let status: number | null = null;

  before(function () {
    const san = sanitizerFlags();
    if (san.fallback) console.log(`    NOTE: AddressSanitizer unavailable, UBSan only: ${san.fallback}`);
    const prog = buildProgram('mdl-c-vectors-', vectorsC(vectors), 'wire_vectors.c');
    try {
      const run = runProgram(prog.exe, [], 30000);
      output = run.stdout + run.stderr;
      status = run.status;
    } finally {
      prog.cleanup();
    }
    lines = new Map();
    for (const line of output.split('\n')) {
      const m = /^(ok|FAIL) (\S+)/.exec(line);
      if (m) {
        expect(lines.has(m[2]!), `two lines for vector ${m[2]}`).to.equal(false);
        lines.set(m[2]!, line);
      }
    }
  });

  it('vector names are unique, so each has its own line', () => {
    const names = vectors.map((a) => a.v.name);
    expect(new Set(names).size).to.equal(names.length);
  });

  for (const a of vectors) {
    it(`${a.file}: ${a.v.name}`, () => {
      expect(lines.get(a.v.name), output).to.equal(`ok ${a.v.name}`);
    });
  }

  it('the C-only API checks pass', () => {
    const api = output.split('\n').filter((l) => l.startsWith('api '));
    expect(api.length, output).to.be.greaterThan(0);
    for (const l of api) expect(l, output).to.match(/^api ok /);
  });

  it('the program exits 0 with nothing on stderr from the sanitizers', () => {
    expect(status, output).to.equal(0);
    expect(output).not.to.match(/Sanitizer|runtime error/);
  });
});
