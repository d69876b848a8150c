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
    expect(p).to.deep.equal(Array(4).fill({ type: 'cp_adapter', field: 'watchdog_task.work', alternatives: null }));
  });

  it('reads a choice of members (a | b.c) from MDL_CONTAINER and the sidecar, blanks around | optional', () => {
    const r = lower('choice.h', [path.join(FIX, 'choice.mda')]);
    expect(r.messages).to.deep.equal([]);
    expect(r.text!.split('\n').filter((l) => l.includes('downcall'))).to.deep.equal([
      '    downcall s32 cancel_work_sync([container(cp_adapter, reset_task | watchdog_task.work)] work_struct *work);',
      '    downcall s32 queue_delayed_work_on(s32 cpu, [container(cp_adapter, watchdog_task | fifo_stall_task | phy_info_task)] delayed_work *work, ulong delay);',
      '    downcall s32 cancel_delayed_work_sync([container(cp_adapter, watchdog_task | phy_info_task)] delayed_work *dwork);',
    ]);
    const checked = checkSources({ 'choice.mdl': r.text! });
    expect(checked.diagnostics).to.deep.equal([]);
    expect(checked.ir!.interfaces[0]!.functions.map((f) => f.params.find((p) => p.marshal.container)!.marshal.container)).to.deep.equal([
      { type: 'cp_adapter', field: 'reset_task', alternatives: ['reset_task', 'watchdog_task.work'] },
      { type: 'cp_adapter', field: 'watchdog_task', alternatives: ['watchdog_task', 'fifo_stall_task', 'phy_info_task'] },
      { type: 'cp_adapter', field: 'watchdog_task', alternatives: ['watchdog_task', 'phy_info_task'] },
    ]);
  });

  it('refuses a sidecar choice with an empty member at the argument, and a duplicate member at the C declaration', () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mdidl-contchoice-'));
    try {
      const mda = path.join(tmp, 'bad.mda');
      fs.writeFileSync(
        mda,
        [
          'queue_delayed_work_on(work): container(cp_adapter, watchdog_task | | phy_info_task)',
          'queue_delayed_work_on(work): container(cp_adapter, watchdog_task |)',
          'queue_delayed_work_on(work): container(cp_adapter, watchdog_task || phy_info_task)',
          '',
        ].join('\n'),
      );
      const r = lower('choice.h', [mda]);
      expect(r.text).to.equal(null);
      expect(r.messages).to.deep.equal([
        "bad.mda:1:52: error: 'container' expects a field name or member path (a.b) here, got 'watchdog_task | | phy_info_task'",
        "bad.mda:2:52: error: 'container' expects a field name or member path (a.b) here, got 'watchdog_task |'",
        "bad.mda:3:52: error: 'container' expects a field name or member path (a.b) here, got 'watchdog_task || phy_info_task'",
      ]);
      fs.writeFileSync(mda, 'queue_delayed_work_on(work): container(cp_adapter, watchdog_task | phy_info_task | watchdog_task)\n');
      const dup = lower('choice.h', [mda]);
      expect(dup.text).to.equal(null);
      expect(dup.messages).to.have.length(1);
      // As every checker error of lowered IDL: at the C declaration annotated, with the IDL line.
      expect(dup.messages[0]).to.equal(
        "choice.h:23:70: error: member 'watchdog_task' is listed twice in MDL_CONTAINER(cp_adapter, ...) (in the IDL lowered from here: downcall s32 queue_delayed_work_on(s32 cpu, [container(cp_adapter, watchdog_task | phy_info_task | watchdog_task)] delayed_work *work, ulong delay);)",
      );
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });

  it('refuses a path through a pointer, with ->, or cut short, each at its position', () => {
    const r = lower('bad.h');
    expect(r.text).to.equal(null);
    expect(r.messages).to.deep.equal([
      "bad.h:20:44: error: 'cp_adapter.other' is a pointer, not an embedded struct; a member path goes through embedded structs only (in the IDL lowered from here: upcall void cp_ptr([container(cp_adapter, other.work)] work_struct *work);)",
      "bad.h:21:51: error: mdl_container takes the enclosing type and a field name or member path, or several joined by '|': MDL_CONTAINER(T, field), MDL_CONTAINER(T, a.b) or MDL_CONTAINER(T, a | b.c)",
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
