// Linux 6.1's e1000, split by `mdidl split --emit` (test/split/sidecars/e1000.mda), in a 6.1 kernel
// under QEMU: the k-driver module and the u-driver process, on QEMU's emulated 82540EM. Both halves
// are built here from Debian's linux-source-6.1 (nothing of the driver is committed).
//
// The milestone this checks (issue #16, docs/real-e1000-split.md "In QEMU"): the probe upcall runs
// e1000_probe in the u-driver to its end — BAR0 mapped from /dev/mdidl-e1000, the I/O-port reset,
// e1000_hw.c's EEPROM checks and hardware set-up in user mode, the PHY found through the k-driver's
// e1000_read_phy_reg on the kernel's own BAR0 mapping (a bound handle) — and its register_netdev
// downcall registers an interface in the kernel; unbinding runs e1000_remove in the u-driver, which
// unregisters it, and the module unloads cleanly. Traffic, management and the work items are
// e1000-split-pair.test.ts's (the same build, once per process: e1000-split-build.ts).
// MDL_UK_DEBUG=1 prints the driver's own debug messages (e_dbg).
import { expect } from 'chai';
import { buildSplitE1000 } from './e1000-split-build.js';
import { kernelHealthy, runInVm } from './vm.js';

// The NIC's MAC on QEMU's command line: e1000_probe reads it from the EEPROM QEMU fills with it and
// hands it to the kernel through dev_addr_mod, whose [count(len)] const void * carries the bytes.
const MAC = '52:54:00:a1:b2:c3';

const SCRIPT = `
out=/tmp/result
for d in /sys/bus/pci/devices/*; do
  if [ "$(cat $d/vendor)" = 0x8086 ] && [ "$(cat $d/device)" = 0x100e ]; then nic=$(basename $d); echo "nic $nic" >> $out; fi
done
insmod /mdl/e1000_kdriver.ko; echo "insmod-exit $?" >> $out
echo "interfaces-before $(ls /sys/class/net | grep -vc '^lo$')" >> $out
MDL_UK_DEBUG=1 /mdl/e1000_udriver > /tmp/udrv 2>&1 &
pid=$!
i=0; while ! grep -q attached /tmp/udrv && [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done
echo $nic > /sys/bus/pci/drivers/e1000/bind; echo "bind-exit $?" >> $out
echo "bound $(ls /sys/bus/pci/drivers/e1000 | grep -c '^0000:')" >> $out
for n in /sys/class/net/*; do [ "$(basename $n)" = lo ] || echo "interface $(basename $n) type $(cat $n/type) mtu $(cat $n/mtu) address $(cat $n/address)" >> $out; done
# The remove upcall runs while the u-driver is attached (it holds /dev/mdidl-e1000, so the module
# cannot go before it): unbind, then stop the u-driver, then unload.
echo $nic > /sys/bus/pci/drivers/e1000/unbind; echo "unbind-exit $?" >> $out
echo "interfaces-after-unbind $(ls /sys/class/net | grep -vc '^lo$')" >> $out
kill $pid; wait $pid
rmmod e1000_kdriver; echo "rmmod-exit $?" >> $out
echo "loaded-after-rmmod $(grep -c '^e1000_kdriver ' /proc/modules)" >> $out
if [ -e /dev/mdidl-e1000 ]; then echo "node-after-rmmod yes" >> $out; else echo "node-after-rmmod no" >> $out; fi
exit 0
`;

describe('the split e1000 in QEMU: k-driver module and u-driver process', function () {
  this.timeout(1_800_000);

  it('the probe upcall runs e1000_probe in the u-driver to its end (EEPROM, PHY through the k-driver, hardware set-up), its register_netdev registers an interface with the NIC\'s MAC, and unbinding and rmmod are clean', async () => {
    const built = buildSplitE1000();
    const vm = await runInVm({
      files: [
        { guestPath: '/mdl/e1000_kdriver.ko', hostPath: built.ko, mode: 0o644 },
        { guestPath: '/mdl/e1000_udriver', hostPath: built.udriver },
      ],
      script: SCRIPT,
      collect: ['/tmp/result', '/tmp/udrv'],
      timeoutMs: 300_000,
      devices: [`e1000,mac=${MAC}`],
    });
    const res = vm.files.get('/tmp/result')?.toString('utf8') ?? '';
    const udrv = vm.files.get('/tmp/udrv')?.toString('utf8') ?? '';
    const dmesg = vm.dmesg ?? '';
    const context = `\n--- result ---\n${res}\n--- u-driver ---\n${udrv}\n--- dmesg (tail) ---\n${dmesg.slice(-5000)}\n--- console (tail) ---\n${vm.console.slice(-3000)}`;
    console.log(`      (VM run ${(vm.durationMs / 1000).toFixed(1)} s)`);
    expect(vm.exitCode, context).to.equal(0);
    expect(res, context).to.match(/^nic 0000:/m);
    expect(res, context).to.match(/^insmod-exit 0$/m);
    expect(res, context).to.match(/^interfaces-before 0$/m);
    // The u-driver opened /dev/mdidl-e1000 and bound its placeholders.
    expect(udrv, context).to.match(/attached to \/dev\/mdidl-e1000; \d+ kernel-side functions bound to their placeholders/);
    // e1000_probe ran in user mode past the EEPROM checksum (e1000_hw.c on the mapped BAR0) to its
    // last message, which it prints after register_netdev succeeded.
    expect(udrv, context).not.to.match(/EEPROM Checksum Is Not Valid|cannot map BAR|out of the u-driver's reach/);
    expect(udrv, context).to.match(/Intel\(R\) PRO\/1000 Network Connection/);
    // The hardware set-up found QEMU's PHY (an M88E1011, ID 0x01410c20): e1000_read_phy_reg, a
    // kernel-side function, read it on the k-driver's mapping of the BAR the u-driver stored.
    expect(udrv, context).to.match(/debug: PHY ID 0x1410C20 detected$/m);
    expect(udrv, context).not.to.match(/Hardware Error|did not detect valid phy/);
    // The kernel has the interface: an Ethernet device (ARPHRD_ETHER) with ether_setup's MTU; the
    // probe's reply applied, so the driver core bound the NIC.
    expect(res, context).to.match(/^interface eth\d+ type 1 mtu 1500 address /m);
    // The address the kernel holds is the one QEMU gave the NIC: it crossed dev_addr_mod as bytes.
    expect(/^interface eth\d+ .* address (\S+)$/m.exec(res)?.[1], context).to.equal(MAC);
    expect(udrv, context).not.to.match(/Invalid MAC Address/);
    expect(res, context).to.match(/^bind-exit 0$/m);
    expect(res, context).to.match(/^bound 1$/m);
    // Unbinding runs e1000_remove in the u-driver: its unregister_netdev downcall removes the
    // interface; then the module unloads cleanly.
    expect(res, context).to.match(/^unbind-exit 0$/m);
    expect(res, context).to.match(/^interfaces-after-unbind 0$/m);
    expect(res, context).to.match(/^rmmod-exit 0$/m);
    expect(res, context).to.match(/^loaded-after-rmmod 0$/m);
    expect(res, context).to.match(/^node-after-rmmod no$/m);
    expect(kernelHealthy(dmesg), context).to.deep.equal([]);
  });
});
