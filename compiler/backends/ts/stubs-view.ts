// The view model of the stubs: typed proxies for the calls each side makes (upcalls from the
// kernel return promises, since the k-driver waits without blocking its critical path; downcalls
// from the u-driver are synchronous, like the C they stand for) and the implementation shapes each
// side must provide, which the channel dispatches to.
import type { IrFunction, IrProgram } from '../../ir/types.js';
import { tsType } from './types-view.js';

export interface StubsView {
  banner: string[];
  runtimeImport: string;
  typesModule: string;
  typeNames: string;
  runtimeNames: string;
  upcalls: ProxyGroup[];
  downcalls: ProxyGroup[];
}

interface ProxyGroup {
  iface: string;
  fns: { name: string; id: number; params: string; args: string; returns: string; cast: string }[];
}

export function stubsView(ir: IrProgram, banner: string[], runtimeImport: string, typesModule: string): StubsView {
  const group = (role: IrFunction['role']): ProxyGroup[] =>
    ir.interfaces
      .map((i) => ({
        iface: i.name,
        fns: i.functions
          .filter((f) => f.role === role)
          .map((f) => {
            const ret = tsType(f.returns.type, f.returns.marshal, ir);
            return {
              name: f.name,
              id: f.id,
              params: f.params.map((p) => `${p.name}: ${tsType(p.type, p.marshal, ir)}`).join(', '),
              args: f.params.map((p) => p.name).join(', '),
              returns: ret,
              cast: ret === 'void' ? 'void' : ret,
            };
          }),
      }))
      .filter((g) => g.fns.length > 0);
  const upcalls = group('upcall');
  const downcalls = group('downcall');
  // Import exactly the names the signatures use, so `noUnusedLocals` projects compile the file too.
  const declared = new Set([...ir.types.map((t) => t.name), ...ir.interfaces.map((i) => i.name)]);
  const runtime = new Set(['Box', 'Handle', 'Interior']);
  const used = new Set<string>();
  const usedRuntime = new Set<string>();
  for (const g of [...upcalls, ...downcalls])
    for (const f of g.fns)
      for (const word of `${f.params} ${f.returns}`.match(/[A-Za-z_]\w*/g) ?? []) {
        if (declared.has(word)) used.add(word);
        if (runtime.has(word)) usedRuntime.add(word);
      }
  return {
    banner,
    runtimeImport,
    typesModule,
    typeNames: [...used].sort().join(', '),
    runtimeNames: ['Implementations', 'KernelChannel', 'UserChannel', ...usedRuntime].sort().join(', '),
    upcalls,
    downcalls,
  };
}
