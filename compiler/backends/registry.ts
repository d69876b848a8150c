// The backends that exist, by target name. Loaded lazily: a command pays only for what it runs.
import type { Backend, Target } from './types.js';

const LOADERS: Partial<Record<Target, () => Promise<Backend>>> = {
  'c-kernel': async () => (await import('./c/index.js')).cKernelBackend,
  'c-user': async () => (await import('./c/index.js')).cUserBackend,
  ts: async () => (await import('./ts/index.js')).tsBackend,
};

export function availableTargets(): Target[] {
  return Object.keys(LOADERS).sort() as Target[];
}

export async function loadBackend(target: Target): Promise<Backend | null> {
  const load = LOADERS[target];
  return load ? load() : null;
}
