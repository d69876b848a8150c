// The interface the channel tests run, shared by the test (kernel side) and its worker (u-driver
// side): both compile the same IDL, as a real split driver's two halves would.
import { buildPlan } from '../../compiler/backends/ts/plan.js';
import type { Plan } from '../../runtime/ts/plan.js';
import { irOf } from '../helpers.js';

export const CHANNEL_IDL = `
struct priv { u32 opens; u32 irq; u32 link; }
struct net_device { [string] char name[16]; u32 flags; u32 mtu; priv *priv; }
interface net_device_ops {
    upcall s32 ndo_open(net_device *dev) reads(dev.flags, dev.name, dev.priv.*) writes(dev.flags, dev.mtu, dev.priv.*);
    upcall u32 ndo_change_mtu(net_device *dev, u32 mtu) reads(dev.mtu, dev.flags) writes(dev.mtu, dev.flags);
    upcall u32 get_link(net_device *dev) reads(dev.flags, dev.priv.*) writes();
    upcall u32 echo(u32 x);
    upcall u32 fan_out(u32 x);
    upcall s32 try_failing(u32 x);
    upcall s32 misbehave(u32 how);
    upcall u32 unimplemented(u32 x);
    upcall u32 init_done(u32 x);
    critical s32 start_xmit(u32 len);
}
interface kernel {
    downcall s32 request_irq(u32 irq, net_device *dev) reads(dev.name) writes(dev.priv.irq);
    downcall s32 register_netdev(net_device *dev) reads(dev.*) writes();
    downcall u32 kernel_echo(u32 x);
    downcall u32 kernel_fan_out(u32 x);
    downcall s32 failing(u32 x);
}
`;

export function channelPlan(version = 1): Plan {
  return buildPlan(irOf(CHANNEL_IDL), 't', version);
}

export interface Priv {
  opens: number;
  irq: number;
  link: number;
}

export interface NetDevice {
  name: string;
  flags: number;
  mtu: number;
  priv: Priv | null;
}

/** What `misbehave(how)` does in the worker. */
export const Misbehave = {
  Throw: 1,
  Exit: 2,
  Hang: 3,
  Sleep: 4,
  CrashLater: 5,
  WaitForKernel: 6,
  ReturnPromise: 7,
} as const;

/**
 * Words of the probe buffer the test shares with its worker, to know where the worker is without
 * guessing with sleeps: ENTERED counts misbehave() entries; the kernel sets GO (and TICKS) to let
 * WaitForKernel return.
 */
export const Probe = { ENTERED: 0, GO: 1, TICKS: 2 } as const;

export interface ChannelWorkerData {
  probe: SharedArrayBuffer;
  /** Module version the worker compiles with (a mismatch makes it refuse to connect). */
  version?: number;
  /** Throw from the u-driver's init, before it reports ready. */
  failInit?: boolean;
}
