// What the config tells every backend besides the IR: the kernel C's extra includes, the
// licence of the generated files and the user C's layout. Shared by compile and check, so both
// generate the same bytes.
import type { BackendContext } from '../backends/types.js';
import type { MdidlConfig } from '../config.js';

export function configContext(config: MdidlConfig | null): Pick<BackendContext, 'kernelIncludes' | 'license' | 'userLayout'> {
  if (!config) return {};
  return { kernelIncludes: config.kernelIncludes, ...(config.license !== null ? { license: config.license } : {}), userLayout: config.userLayout };
}
