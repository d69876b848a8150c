// The simulated split driver sample, run for real: u-driver in a worker, k-driver with its
// critical path on the kernel thread, the generated stubs between them.
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runDemo } from '../../samples/nic/run.js';

describe('sample: the simulated split NIC driver', function () {
  this.timeout(60000);

  it('opens the device across the boundary, keeps the data path in the kernel, survives a crash and a hang', async () => {
    const r = await runDemo({ timeoutMs: 1500 });
    expect(r.openResult).to.equal(0);
    expect(r.flagsAfterOpen & 1).to.equal(1);
    expect(r.mac).to.equal('00:11:22:33:44:55');
    expect(r.drvinfo).to.deep.equal({ driver: 'nic-sim', version: '1.0', bus_info: 'sim:eth0' });
    expect(r.mtuAfterChange).to.equal(9000);
    // 4 frames in each of four bursts, received and sent by the critical path alone.
    expect(r.received).to.equal(16);
    expect(r.sent).to.equal(16);
    expect(r.statsSeenByUser).to.deep.equal({ rx: 8n, tx: 8n });
    expect(r.crash).to.match(/^PeerGoneError: net_device_ops\.ndo_change_mtu: the peer is gone/);
    expect(r.packetsWhileCrashed).to.equal(8);
    expect(r.afterRestart).to.equal(0);
    expect(r.hang).to.match(/^TimeoutError: net_device_ops\.ndo_change_mtu: no answer within 1500 ms/);
    expect(r.kernelLog).to.deep.equal([]);
  });

  it('its checked-in IDL is what `mdidl lower` makes of the annotated header', () => {
    const r = spawnSync(
      process.execPath,
      [path.resolve('bin/mdidl.js'), 'lower', '-I', path.resolve('include'), '--module', 'nic', '--interface', 'kernel', 'nic.h'],
      { cwd: path.resolve('samples/nic'), encoding: 'utf8' },
    );
    expect(r.stderr).to.equal('');
    expect(r.status).to.equal(0);
    expect(r.stdout).to.equal(fs.readFileSync(path.resolve('samples/nic/nic.mdl'), 'utf8'));
  });

  it('its checked-in generated stubs are what the IDL generates now', () => {
    const r = spawnSync(process.execPath, [path.resolve('bin/mdidl.js'), 'check'], { cwd: path.resolve('samples/nic'), encoding: 'utf8' });
    expect(r.stdout + r.stderr).to.equal('');
    expect(r.status).to.equal(0);
  });
});
