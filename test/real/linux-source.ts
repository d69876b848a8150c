// Linux 6.1's own drivers, taken from Debian's linux-source-6.1 at test time (never committed) and
// preprocessed by kbuild against Debian's linux-headers-amd64, as a k-driver build would see them.
// .ci/run installs both; without them these helpers throw, so a test fails rather than skip.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const TARBALL = '/usr/src/linux-source-6.1.tar.xz';

/** The newest Debian amd64 kernel headers folder (its ABI name changes with every kernel update). */
export function kernelHeaders(): string {
  const dirs = fs.existsSync('/usr/src') ? fs.readdirSync('/usr/src').filter((d) => /^linux-headers-.*-amd64$/.test(d)) : [];
  dirs.sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
  const last = dirs[dirs.length - 1];
  if (!last) throw new Error('linux-headers-amd64 is not installed (apt-get install linux-headers-amd64; .ci/run does this)');
  return path.join('/usr/src', last);
}

/** One of the paper's drivers: where its files are in the tree and how kbuild builds it. */
export interface RealDriver {
  name: string;
  /** Paths inside the source tree to extract (files or folders). */
  extract: string[];
  /** The folder of the tree kbuild builds (M=). */
  dir: string;
  /** The translation units, relative to `dir`, without `.c`. */
  units: string[];
  /** Extra compiler flags (ens1371 is ens1370.c with -DCHIP1371). */
  cflags?: string;
  /** Object name and its parts for the Makefile. */
  object: string;
}

export const DRIVERS: Record<'8139too' | 'e1000' | 'ens1371' | 'uhci', RealDriver> = {
  '8139too': {
    name: '8139too',
    extract: ['drivers/net/ethernet/realtek/8139too.c'],
    dir: 'drivers/net/ethernet/realtek',
    units: ['8139too'],
    object: '8139too',
  },
  e1000: {
    name: 'e1000',
    extract: ['drivers/net/ethernet/intel/e1000'],
    dir: 'drivers/net/ethernet/intel/e1000',
    units: ['e1000_main', 'e1000_hw', 'e1000_ethtool', 'e1000_param'],
    object: 'e1000',
  },
  ens1371: {
    name: 'ens1371',
    extract: ['sound/pci/ens1370.c', 'sound/pci/ak4531_codec.c'],
    dir: 'sound/pci',
    units: ['ens1370'],
    cflags: '-DCHIP1371',
    object: 'ens1371',
  },
  uhci: {
    name: 'uhci',
    extract: ['drivers/usb/host/uhci-hcd.c', 'drivers/usb/host/uhci-hcd.h', 'drivers/usb/host/uhci-q.c', 'drivers/usb/host/uhci-hub.c', 'drivers/usb/host/uhci-debug.c', 'drivers/usb/host/uhci-pci.c', 'drivers/usb/host/uhci-platform.c', 'drivers/usb/host/uhci-grlib.c', 'drivers/usb/host/pci-quirks.h'],
    dir: 'drivers/usb/host',
    units: ['uhci-hcd'],
    object: 'uhci-hcd',
  },
};

function cacheRoot(): string {
  const stat = fs.statSync(TARBALL, { throwIfNoEntry: false });
  if (!stat) throw new Error(`${TARBALL} is missing (apt-get install linux-source-6.1; .ci/run does this)`);
  // Keyed by the tarball's size and time so a new Debian kernel gets a fresh extraction.
  return path.join(os.tmpdir(), `mdidl-linux-source-${stat.size}-${Math.floor(stat.mtimeMs)}`);
}

/**
 * Extracts the four drivers' files (once per machine and tarball, in one pass over the tarball; later
 * calls reuse them) and returns the root of the extracted tree. Nothing is written inside the repository.
 */
export function driverSource(): string {
  const root = cacheRoot();
  const tree = path.join(root, 'linux-source-6.1');
  const done = path.join(root, '.extracted');
  if (fs.existsSync(done)) return tree;
  fs.mkdirSync(root, { recursive: true });
  const wanted = Object.values(DRIVERS).flatMap((d) => d.extract.map((p) => `linux-source-6.1/${p}`));
  execFileSync('tar', ['-xJf', TARBALL, '-C', root, ...wanted], { stdio: 'pipe' });
  fs.writeFileSync(done, '');
  return tree;
}

/**
 * Copies the driver into a fresh folder with a kbuild Makefile and preprocesses each unit as kbuild
 * would compile it (`make M=... unit.i`). Returns the folder and the `.i` paths, in `units` order.
 * `extraCflags` is added to KCFLAGS (e.g. `-D__MDIDL__` to turn annotations on).
 */
export function preprocessDriver(d: RealDriver, extraCflags = ''): { dir: string; files: string[] } {
  const tree = driverSource();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `mdidl-${d.name}-`));
  for (const p of d.extract) {
    const rel = path.relative(d.dir, p);
    const from = path.join(tree, p);
    fs.cpSync(from, path.join(dir, rel), { recursive: true });
  }
  const objs = d.units.map((u) => `${u}.o`).join(' ');
  const makefile = d.units.length === 1 && d.units[0] === d.object ? `obj-m := ${d.object}.o\n` : `obj-m := ${d.object}.o\n${d.object}-objs := ${objs}\n`;
  fs.writeFileSync(path.join(dir, 'Makefile'), makefile + (d.cflags ? `ccflags-y := ${d.cflags}\n` : ''));
  const kcflags = extraCflags ? [`KCFLAGS=${extraCflags}`] : [];
  const files: string[] = [];
  for (const u of d.units) {
    execFileSync('make', ['-s', '-C', kernelHeaders(), `M=${dir}`, ...kcflags, `${u}.i`], { stdio: 'pipe' });
    files.push(path.join(dir, `${u}.i`));
  }
  return { dir, files };
}
