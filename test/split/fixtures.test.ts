// Golden tests on hand-written drivers: the partition (every function's side and why, the call path
// from its root), the critical roots, the entry points and the access sets. Goldens change only on
// purpose: UPDATE_GOLDEN=1 rewrites them.
import { expect } from 'chai';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { splitDriver } from '../../compiler/split/index.js';
import { renderDot, renderPartition } from '../../compiler/split/render.js';
import { FIXTURES, preprocessFixture, removeFixtureDirs } from './util.js';

function golden(file: string, text: string): void {
  if (process.env['UPDATE_GOLDEN']) fs.writeFileSync(file, text);
  expect(text).to.equal(fs.readFileSync(file, 'utf8'), `${path.relative(process.cwd(), file)} (UPDATE_GOLDEN=1 to rewrite on purpose)`);
}

describe('split: hand-written drivers', () => {
  after(removeFixtureDirs);
  it('minic: tables, registration arguments, run-time callbacks, locks, MDL_CRITICAL and a sidecar', async () => {
    const i = preprocessFixture('minic', ['__MDIDL__']);
    const { result, diagnostics } = await splitDriver({ files: [i], sidecars: [path.join(FIXTURES, 'minic', 'minic.mda')] });
    expect(diagnostics).to.deep.equal([]);
    const r = result!;
    golden(path.join(FIXTURES, 'minic', 'minic.partition'), renderPartition(r));
    golden(path.join(FIXTURES, 'minic', 'minic.dot'), renderDot(r));
    const side = (fn: string): string | undefined => r.functions.find((f) => f.fn === fn)?.side;
    // The facts the golden encodes, stated once more so a careless UPDATE_GOLDEN cannot hide them.
    expect(side('minic_interrupt')).to.equal('kernel');
    expect(side('minic_start_xmit')).to.equal('kernel');
    expect(side('minic_poll')).to.equal('kernel');
    expect(side('minic_rx_one')).to.equal('kernel');
    expect(side('minic_watchdog')).to.equal('kernel'); // stored into timer_list.function at run time
    expect(side('minic_ack_irq')).to.equal('kernel'); // called with p->lock held
    expect(r.roots.find((x) => x.fn === 'minic_apply_mtu')?.why).to.match(/^called with a spinlock held in minic_change_mtu/); // past an early unlock-and-return
    expect(side('minic_hw_set_mac')).to.equal('kernel'); // reached through the driver's own table under the lock
    expect(side('minic_panic_dump')).to.equal('kernel'); // MDL_CRITICAL
    expect(side('minic_get_link')).to.equal('kernel'); // the sidecar's critical
    expect(side('minic_r32')).to.equal('both');
    for (const fn of ['minic_probe', 'minic_remove', 'minic_open', 'minic_stop', 'minic_set_mac', 'minic_get_drvinfo', 'minic_reset_task', 'init_module'])
      expect(side(fn), fn).to.equal('user');
    const how = (fn: string): string[] => r.entries.filter((e) => e.fn === fn).map((e) => e.how);
    expect(how('minic_watchdog')).to.deep.equal(['timer_list.function']);
    expect(how('minic_reset_task')).to.deep.equal(['work_struct.func']);
    expect(how('minic_poll')).to.deep.equal(['netif_napi_add(arg 3)']);
    expect(how('minic_hw_reset')).to.deep.equal([]); // only the driver's own table holds it
    const up = r.crossings.find((c) => c.fn === 'minic_change_mtu')!;
    expect(up.writes).to.deep.equal(['dev.mtu']);
    const reg = r.crossings.find((c) => c.fn === 'register_netdev')!;
    expect([reg.source, reg.reads, reg.writes]).to.deep.equal(['sidecar', ['dev.*'], ['dev.flags']]);
  });

  it('minisnd: PCM and control tables, an irqreturn_t handler, a tasklet, bitfields and unions', async () => {
    const i = preprocessFixture('minisnd');
    const { result, diagnostics } = await splitDriver({ files: [i] });
    expect(diagnostics).to.deep.equal([]);
    const r = result!;
    golden(path.join(FIXTURES, 'minisnd', 'minisnd.partition'), renderPartition(r));
    const side = (fn: string): string | undefined => r.functions.find((f) => f.fn === fn)?.side;
    for (const fn of ['minisnd_trigger', 'minisnd_pointer', 'minisnd_interrupt', 'minisnd_bh']) expect(side(fn), fn).to.equal('kernel');
    for (const fn of ['minisnd_prepare', 'minisnd_vol_get', 'minisnd_vol_put', 'minisnd_open']) expect(side(fn), fn).to.equal('user');
    const prepare = r.crossings.find((c) => c.fn === 'minisnd_prepare')!;
    // Bitfields share a storage unit and union members an offset: all of them are touched, reached
    // through the private area (substream->private_data, which the driver converts to struct minisnd).
    expect(r.privateArea['snd_pcm_substream.private_data']).to.deep.equal({ to: 'minisnd', carrier: 'pointer' });
    expect(prepare.unreached).to.equal(undefined);
    expect(prepare.writes).to.include.members(['s.private_data.play.rate', 's.private_data.play.running', 's.private_data.ctrl', 's.private_data.ctrl_bytes']);
    const get = r.crossings.find((c) => c.fn === 'minisnd_vol_get')!;
    expect(get.writes).to.deep.equal(['v.value.integer.value']);
  });

  it('gives the same bytes wherever the driver is preprocessed', async () => {
    const a = await splitDriver({ files: [preprocessFixture('minisnd')] });
    const b = await splitDriver({ files: [preprocessFixture('minisnd')] });
    expect(renderPartition(a.result!)).to.equal(renderPartition(b.result!));
  });
});
