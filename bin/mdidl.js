#!/usr/bin/env node
// Thin launcher: the CLI is compiled to dist/ by `npm ci` (the prepare script).
import { existsSync } from 'node:fs';

const entry = new URL('../dist/compiler/cli/main.js', import.meta.url);
if (!existsSync(entry)) {
  process.stderr.write('mdidl: not built yet; run `npm ci` (or `npm run build`) in the mdidl folder\n');
  process.exit(2);
}
const { main } = await import(entry.href);
process.exitCode = await main(process.argv.slice(2));
