// [container(T, a.b)] from C: a member path through embedded structs (Linux's
// container_of(work, struct e1000_adapter, watchdog_task.work)) in every form lower reads:
// mdidl's MDL_CONTAINER, DriverSlicer's conttype + contfield ("a.b" or a.b), and a sidecar line
// `fn(param): container(T, a.b)`. Paths lower cannot use are errors at their C or sidecar position.
import { expect } from 'chai';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { lowerFiles } from '../../compiler/lower/index.js';
import { checkSources } from '../helpers.js';

const FIX = path.resolve('test/lower/fixtures/container-path');
const KERNEL = path.resolve('test/lower/fixtures/lower/kernel');
const INCLUDE = path.resolve('include');

function lower(file: string, sidecars: string[] = []): { text: string | null; messages: string[] } {
  const r = lowerFiles({ files: [path.join(FIX, file)], includePaths: [KERNEL, INCLUDE], sidecars });
  return { text: r.text, messages: r.diagnostics.map((d) => `${path.basename(d.loc.file)}:${d.loc.line}:${d.loc.column}: ${d.severity}: ${d.message}`) };
}

describe('lower: a container member path through embedded structs', () => {
  it('reads MDL_CONTAINER, conttype/contfield and the sidecar form alike, into IDL that checks', () => {
    const r = lower('good.h', [path.join(FIX, 'good.mda')]);
    expect(r.messages).to.deep.equal([]);
    const fns = r.text!.split('\n').filter((l) => l.includes('upcall'));
    expect(fns).to.deep.equal([
      '    upcall void cp_watchdog([container(cp_adapter, watchdog_task.work)] work_struct *work);',
      '    upcall void cp_ds([container(cp_adapter, watchdog_task.work)] work_struct *work);',
      '    upcall void cp_ds2([container(cp_adapter, watchdog_task.work)] work_struct *work);',
      '    upcall void cp_side([container(cp_adapter, watchdog_task.work)] work_struct *work);',
    ]);
    const checked = checkSources({ 'good.mdl': r.text! });
    expect(checked.diagnostics).to.deep.equal([]);
    const p = checked.ir!.interfaces[0]!.functions.map((f) => f.params[0]!.marshal.container);
    expect(p).to.deep.equal(Array(4).fill({ type: 'cp_adapter', field: 'watchdog_task.work' }));
  });

  it('refuses a path through a pointer, with ->, or cut short, each at its position', () => {
    const r = lower('bad.h');
    expect(r.text).to.equal(null);
    expect(r.messages).to.deep.equal([
      "bad.h:20:44: error: 'cp_adapter.other' is a pointer, not an embedded struct; a member path goes through embedded structs only (in the IDL lowered from here: upcall void cp_ptr([container(cp_adapter, other.work)] work_struct *work);)",
      'bad.h:21:51: error: mdl_container takes the enclosing type and a field name or member path: MDL_CONTAINER(T, field) or MDL_CONTAINER(T, a.b)',
      "bad.h:22:108: error: contfield takes a field name or member path (a.b), got 'watchdog_task .'",
    ]);
  });

  it('refuses a sidecar path that is not names joined by dots, at the argument', () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mdidl-contpath-'));
    try {
      const mda = path.join(tmp, 'bad.mda');
      fs.writeFileSync(mda, 'cp_side: upcall\ncp_side(work): container(struct cp_adapter, watchdog_task->work)\ncp_side(work): container(struct cp_adapter, watchdog_task.)\n');
      const r = lower('good.h', [mda]);
      expect(r.text).to.equal(null);
      expect(r.messages).to.deep.equal([
        "bad.mda:2:45: error: 'container' expects a field name or member path (a.b) here, got 'watchdog_task->work'",
        "bad.mda:3:45: error: 'container' expects a field name or member path (a.b) here, got 'watchdog_task.'",
      ]);
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });
});
