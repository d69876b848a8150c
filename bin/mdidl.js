#!/usr/bin/env node
// Thin launcher: the CLI is compiled to dist/ by `npm ci` (the prepare script).
import { existsSync } from 'node:fs';

const entry = new URL('../dist/compiler/cli/main.js', import.meta.url);
if (!existsSync(entry)) {
  process.stderr.write('mdidl: not built yet; run `npm ci` (or `npm run build`) in the mdidl folder\n');
  process.exit(2);
}
// A reader that goes away (`mdidl report ... | head`) ends the output quietly, as for any Unix tool.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (e) => {
    if (e.code !== 'EPIPE') process.stderr.write(`mdidl: cannot write the output: ${e.message}\n`);
    process.exit(e.code === 'EPIPE' ? (process.exitCode ?? 0) : 1);
  });
}
const { main } = await import(entry.href);
process.exitCode = await main(process.argv.slice(2));
