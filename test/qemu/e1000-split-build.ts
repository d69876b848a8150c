// Builds both halves of Linux 6.1's e1000 split by `mdidl split --emit` (with
// test/split/sidecars/e1000.mda) from Debian's linux-source-6.1, as a driver developer would: the
// units preprocessed by kbuild, the split, kbuild for the k-driver module, make for the u-driver.
// Once per process: the QEMU tests and the bench share the build, and its folder goes at exit.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DRIVERS, preprocessDriver } from '../real/linux-source.js';
import { kernelHeadersDir } from './vm.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const BIN = path.join(ROOT, 'bin', 'mdidl.js');

export interface SplitE1000Build {
  /** The k-driver module. */
  ko: string;
  /** The u-driver program (static). */
  udriver: string;
  /** The --emit folder (kdriver/, udriver/). */
  dir: string;
}

function run(cmd: string, args: string[], cwd?: string): void {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', timeout: 1_500_000, maxBuffer: 64 << 20 });
  if (r.error) throw new Error(`${cmd}: ${r.error.message} (install make, gcc and the kernel headers; .ci/run does)`);
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}:\n${(r.stdout + r.stderr).slice(-6000)}`);
}

let built: SplitE1000Build | null = null;
const cleanup: string[] = [];
process.once('exit', () => {
  for (const d of cleanup) fs.rmSync(d, { recursive: true, force: true });
});

export function buildSplitE1000(): SplitE1000Build {
  if (built) return built;
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'mdidl-e1000-split-'));
  cleanup.push(work);
  const pp = preprocessDriver(DRIVERS.e1000);
  cleanup.push(pp.dir);
  run(process.execPath, [BIN, 'split', ...pp.files.map((f) => path.basename(f)), '--name', 'e1000', '--sidecar', path.join(ROOT, 'test/split/sidecars/e1000.mda'), '--emit', work], pp.dir);
  run('make', ['-C', kernelHeadersDir(), `M=${path.join(work, 'kdriver')}`, 'modules']);
  run('make', ['-C', path.join(work, 'udriver'), `KDIR=${kernelHeadersDir()}`]);
  built = { ko: path.join(work, 'kdriver', 'e1000_kdriver.ko'), udriver: path.join(work, 'udriver', 'e1000_udriver'), dir: work };
  return built;
}
