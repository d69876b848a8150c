// The UHCI u-driver: the PCI glue's probe and remove, the controller's reset, start and stop, the
// frame number, and the root hub: port status and port control (connect, reset, enable, suspend),
// which usbcore's hub thread asks for from process context. Written like C over the downcalls `k`:
// generated stubs in the split driver, the k-driver's functions in the monolithic one.
import type { Downcalls, UserImplementation } from './generated/ts/uhci.stubs.js';
import type { uhci_hcd } from './generated/ts/uhci.types.js';
import {
  ClearPortFeature,
  EINVAL,
  ENODEV,
  GetPortStatus,
  HC_STATE_HALT,
  HC_STATE_RUNNING,
  RWC_BITS,
  SetPortFeature,
  UHCI,
  UHCI_CMD,
  UHCI_INTR,
  UHCI_IS_STOPPED,
  UHCI_PORTSC,
  UHCI_RH_RESET,
  UHCI_RH_RUNNING,
  UHCI_STS,
  USB_PORT_FEAT_C_CONNECTION,
  USB_PORT_FEAT_C_ENABLE,
  USB_PORT_FEAT_ENABLE,
  USB_PORT_FEAT_POWER,
  USB_PORT_FEAT_RESET,
  USB_PORT_FEAT_SUSPEND,
  USB_PORT_STAT,
  USB_PORT_STAT_C,
} from './consts.js';

const UHCI_RH_MAXCHILD = 7;

export function uhciUserDriver(k: Downcalls): UserImplementation {
  const K = (): Downcalls['kernel'] => k.kernel;
  const inw = (u: uhci_hcd, reg: number): number => K().uhci_readw(u, reg);
  const outw = (u: uhci_hcd, v: number, reg: number): void => K().uhci_writew(u, v & 0xffff, reg);
  const portReg = (port: number): number => UHCI.USBPORTSC1 + 2 * port;

  return {
    pci_driver: {
      /** usb_hcd_pci_probe: enable the device, describe the HCD (usb_add_hcd follows in the kernel). */
      probe(pdev) {
        const hcd = pdev?.driver_data;
        if (!pdev || !hcd) return EINVAL;
        if (pdev.vendor !== 0x8086) return ENODEV;
        const rc = K().pci_enable_device(pdev);
        if (rc) return rc;
        K().pci_set_master(pdev);
        hcd.product_desc = 'UHCI Host Controller';
        hcd.irq = pdev.irq;
        hcd.rsrc_start = pdev.io_start;
        hcd.has_tt = 0;
        return 0;
      },
      remove(pdev) {
        if (pdev) K().pci_disable_device(pdev);
      },
    },
    hc_driver: {
      /** uhci_pci_init + uhci_pci_reset: count the ports, reset the controller (it stays halted). */
      reset(hcd) {
        const uhci = hcd?.hcd_priv;
        if (!hcd || !uhci) return EINVAL;
        uhci.io_addr = hcd.rsrc_start;
        // A port register reads with bit 7 set; past the last port there is nothing.
        let ports = 0;
        for (; ports < UHCI_RH_MAXCHILD; ports++) {
          const p = inw(uhci, portReg(ports));
          if (!(p & UHCI_PORTSC.RES1) || p === 0xffff) break;
          if (ports === 1) {
            ports++;
            break; // the PIIX has two
          }
        }
        uhci.rh_numports = ports;
        uhci.oc_low = 0;
        uhci.wait_for_hp = 0;
        outw(uhci, UHCI_CMD.GRESET, UHCI.USBCMD);
        K().msleep(50);
        outw(uhci, 0, UHCI.USBCMD);
        outw(uhci, UHCI_CMD.HCRESET, UHCI.USBCMD);
        outw(uhci, 0, UHCI.USBINTR);
        uhci.rh_state = UHCI_RH_RESET;
        uhci.is_stopped = UHCI_IS_STOPPED;
        return 0;
      },
      /** uhci_start + configure_hc + start_rh: the schedule, the frame list base, run. */
      start(hcd) {
        const uhci = hcd?.hcd_priv;
        if (!hcd || !uhci) return EINVAL;
        const rc = K().uhci_alloc_schedule(uhci);
        if (rc) return rc;
        outw(uhci, 0, UHCI.USBFRNUM);
        K().uhci_writel(uhci, Number(uhci.frame_dma_handle), UHCI.USBFLBASEADD);
        outw(uhci, UHCI_INTR.TIMEOUT | UHCI_INTR.RESUME | UHCI_INTR.IOC | UHCI_INTR.SP, UHCI.USBINTR);
        outw(uhci, UHCI_CMD.RS | UHCI_CMD.CF | UHCI_CMD.MAXP, UHCI.USBCMD);
        if (inw(uhci, UHCI.USBSTS) & UHCI_STS.HCH) return -5; // it did not start
        uhci.rh_state = UHCI_RH_RUNNING;
        uhci.is_stopped = 0;
        uhci.is_initialized = 1;
        uhci.frame_number = 0;
        hcd.state = HC_STATE_RUNNING;
        hcd.uses_new_polling = 1;
        return 0;
      },
      /** uhci_stop: interrupts off, halt, wait for HCHalted, free the schedule. */
      stop(hcd) {
        const uhci = hcd?.hcd_priv;
        if (!hcd || !uhci) return;
        outw(uhci, 0, UHCI.USBINTR);
        outw(uhci, 0, UHCI.USBCMD);
        for (let i = 0; i < 100 && !(inw(uhci, UHCI.USBSTS) & UHCI_STS.HCH); i++) K().msleep(1);
        K().uhci_free_schedule(uhci);
        uhci.rh_state = UHCI_RH_RESET;
        uhci.is_stopped = UHCI_IS_STOPPED;
        uhci.is_initialized = 0;
        hcd.state = HC_STATE_HALT;
      },
      /** uhci_hcd_get_frame_number: the 11-bit counter, extended by what the driver last saw. */
      get_frame_number(hcd) {
        const uhci = hcd?.hcd_priv;
        if (!uhci) return EINVAL;
        if (uhci.is_stopped) return uhci.frame_number;
        const now = inw(uhci, UHCI.USBFRNUM) & 0x7ff;
        uhci.frame_number = (uhci.frame_number + ((now - uhci.frame_number) & 0x7ff)) >>> 0;
        return uhci.frame_number;
      },
      /** uhci_hub_status_data: one bit per port with a change to report. */
      hub_status_data(hcd, buf) {
        const uhci = hcd?.hcd_priv;
        if (!uhci) return EINVAL;
        let mask = 0;
        for (let p = 0; p < uhci.rh_numports; p++) if (inw(uhci, portReg(p)) & RWC_BITS) mask |= 1 << (p + 1);
        buf[0] = mask;
        return mask ? 1 : 0;
      },
      /** uhci_hub_control: the port requests usbcore's hub thread makes. */
      hub_control(hcd, typeReq, wValue, wIndex, status) {
        const uhci = hcd?.hcd_priv;
        if (!uhci) return EINVAL;
        const port = wIndex - 1;
        if (port < 0 || port >= uhci.rh_numports) return -32; // -EPIPE: a stall
        const reg = portReg(port);
        const cur = inw(uhci, reg);
        const keep = cur & ~RWC_BITS; // writing back a change bit would clear it
        status.wPortStatus = 0;
        status.wPortChange = 0;
        switch (typeReq) {
          case GetPortStatus:
            if (cur & UHCI_PORTSC.CCS) status.wPortStatus |= USB_PORT_STAT.CONNECTION;
            if (cur & UHCI_PORTSC.PE) status.wPortStatus |= USB_PORT_STAT.ENABLE;
            if (cur & UHCI_PORTSC.SUSP) status.wPortStatus |= USB_PORT_STAT.SUSPEND;
            if (cur & UHCI_PORTSC.PR) status.wPortStatus |= USB_PORT_STAT.RESET;
            if (cur & UHCI_PORTSC.LSDA) status.wPortStatus |= USB_PORT_STAT.LOW_SPEED;
            status.wPortStatus |= USB_PORT_STAT.POWER; // UHCI ports are always powered
            if (cur & UHCI_PORTSC.CSC) status.wPortChange |= USB_PORT_STAT_C.CONNECTION;
            if (cur & UHCI_PORTSC.PEC) status.wPortChange |= USB_PORT_STAT_C.ENABLE;
            return 0;
          case SetPortFeature:
            if (wValue === USB_PORT_FEAT_RESET) {
              outw(uhci, keep | UHCI_PORTSC.PR, reg);
              K().msleep(50);
              outw(uhci, inw(uhci, reg) & ~RWC_BITS & ~UHCI_PORTSC.PR, reg);
              return 0;
            }
            if (wValue === USB_PORT_FEAT_SUSPEND) return outw(uhci, keep | UHCI_PORTSC.SUSP, reg), 0;
            if (wValue === USB_PORT_FEAT_POWER) return 0;
            return -32;
          case ClearPortFeature:
            if (wValue === USB_PORT_FEAT_C_CONNECTION) return outw(uhci, keep | UHCI_PORTSC.CSC, reg), 0;
            if (wValue === USB_PORT_FEAT_C_ENABLE) return outw(uhci, keep | UHCI_PORTSC.PEC, reg), 0;
            if (wValue === USB_PORT_FEAT_ENABLE) return outw(uhci, keep & ~UHCI_PORTSC.PE, reg), 0;
            if (wValue === USB_PORT_FEAT_SUSPEND) return outw(uhci, keep & ~UHCI_PORTSC.SUSP, reg), 0;
            return -32;
          default:
            return -32;
        }
      },
    },
  };
}
