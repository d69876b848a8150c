// xorshift32: the tests' one deterministic generator (the same mutants and bulk patterns on every run;
// test/qemu/fixtures/pair_bulk.c computes the same sequence in C).

/** The generator from `seed` (0 counts as 1, which xorshift needs); each call returns the next state. */
export function xorshift32(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x;
  };
}
