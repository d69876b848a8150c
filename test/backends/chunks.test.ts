// The C sources keep their blocks as slices of large strings (compiler/backends/c/chunks.ts): each
// block must be exactly the string it stands for, in order, across chunk boundaries.
import { expect } from 'chai';
import { BlockChunks } from '../../compiler/backends/c/chunks.js';

describe('C backends: block chunks', () => {
  it('gives back every block as its lines joined, in order, across many chunks; empty blocks are dropped', () => {
    const chunks = new BlockChunks();
    const want: string[] = [];
    // Blocks of varied size, some past a chunk on their own, so chunks end at every kind of block.
    for (let i = 0; i < 3000; i++) {
      const n = (i * 7) % 13;
      const lines = Array.from({ length: n }, (_, k) => (k % 4 === 3 ? '' : `line ${i}.${k} ${'x'.repeat((i * k) % 50)}`));
      if (i % 500 === 0) lines.push('y'.repeat(300_000));
      if (i % 3 === 0) {
        const text = lines.join('\n');
        chunks.add(text);
        if (text) want.push(text);
      } else {
        chunks.add(lines);
        if (lines.join('\n')) want.push(lines.join('\n'));
      }
    }
    chunks.add(['']);
    chunks.add([]);
    chunks.add('');
    expect(chunks.blocks()).to.deep.equal(want);
  });

  it('keeps blocks already sliced after those added before them', () => {
    const first = new BlockChunks();
    first.add(['a', 'b']);
    first.add('c');
    const second = new BlockChunks();
    second.add('head');
    second.addSliced(first.blocks());
    second.add(['tail', '']);
    expect(second.blocks()).to.deep.equal(['head', 'a\nb', 'c', 'tail\n']);
  });
});
