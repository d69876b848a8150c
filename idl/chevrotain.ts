// chevrotain's package entry loads lodash-es as hundreds of separate modules (~0.5 s at every CLI
// start). The package also ships the same version pre-bundled as one file, which loads in ~20 ms;
// its `exports` map does not expose it, so it is located next to the entry point.
import type * as Chevrotain from 'chevrotain';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';

async function load(): Promise<typeof Chevrotain> {
  const entry = createRequire(import.meta.url).resolve('chevrotain');
  const bundle = path.join(path.dirname(entry), '..', 'chevrotain.mjs');
  if (existsSync(bundle)) return (await import(pathToFileURL(bundle).href)) as typeof Chevrotain;
  return import('chevrotain');
}

const chevrotain = await load();

export const createToken = chevrotain.createToken;
export const Lexer = chevrotain.Lexer;
export const CstParser = chevrotain.CstParser;
export const tokenMatcher = chevrotain.tokenMatcher;
