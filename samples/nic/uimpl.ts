// The u-driver's code (initialization and configuration), apart from where it runs: in a worker
// behind the channel (udriver.ts, the split driver) or on the kernel thread with direct calls
// (critical.ts's monolithic mode, the baseline the split driver is measured against).
import type { Downcalls, UserImplementation } from './generated/ts/nic.stubs.js';

const IFF_UP = 1;

/** How the demo asks the u-driver to misbehave. */
export interface Behaviour {
  hangOnMtu?: number;
  crashOnMtu?: number;
}

/** The u-driver's upcalls, making their kernel calls through `k()` (bound once the channel is up). */
export function userImplementation(k: () => Downcalls, behaviour: Behaviour = {}): UserImplementation {
  return {
    net_device_ops: {
      ndo_open(dev) {
        if (!dev) return -22;
        const err = k().kernel.request_irq(dev.irq, dev.name, dev);
        if (err) return err;
        const rings = k().kernel.nic_setup_rings(dev, 8, 8);
        if (rings) {
          k().kernel.free_irq(dev.irq, dev);
          return rings;
        }
        const mac = new Uint8Array(6);
        k().kernel.nic_read_mac(dev, mac);
        dev.dev_addr = mac;
        dev.priv!.rx_ring_size = 8;
        dev.priv!.tx_ring_size = 8;
        k().kernel.nic_enable(dev, true);
        k().kernel.netif_carrier_on(dev);
        k().kernel.netif_start_queue(dev);
        dev.flags |= IFF_UP;
        return 0;
      },
      ndo_stop(dev) {
        if (!dev) return -22;
        k().kernel.netif_stop_queue(dev);
        k().kernel.nic_enable(dev, false);
        k().kernel.free_irq(dev.irq, dev);
        dev.flags &= ~IFF_UP;
        return 0;
      },
      ndo_change_mtu(dev, mtu) {
        if (!dev) return -22;
        if (mtu === behaviour.hangOnMtu) for (;;) {} // a hung u-driver
        if (mtu === behaviour.crashOnMtu) process.exit(1); // a crashed one
        if (mtu < 68 || mtu > 9000) return -22;
        dev.mtu = mtu;
        return 0;
      },
    },
    ethtool_ops: {
      get_drvinfo(dev, info) {
        info.driver = 'nic-sim';
        info.version = '1.0';
        info.bus_info = `sim:${dev?.name ?? '?'}`;
      },
      get_stats(dev, stats) {
        stats.rx_packets = dev?.priv?.rx_packets ?? 0n;
        stats.tx_packets = dev?.priv?.tx_packets ?? 0n;
        stats.rx_missed = dev?.priv?.rx_missed ?? 0n;
      },
    },
  };
}
