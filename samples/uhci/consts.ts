// What both halves of the UHCI driver know: the controller's registers and bits (from the simulated
// device's definitions) and the USB hub protocol's, as uhci-hcd.h and ch11.h define them.
import { sim } from 'mdidl/runtime';

export const { UHCI, UHCI_CMD, UHCI_STS, UHCI_INTR, UHCI_PORTSC, UHCI_PTR, TD_CTRL, USB_PID, UHCI_NUMFRAMES } = sim;

export const UHCI_IS_STOPPED = 9999;
export const UHCI_RH_RESET = 0;
export const UHCI_RH_RUNNING = 5;
export const HC_STATE_HALT = 0;
export const HC_STATE_RUNNING = 1;
/** Hub class requests (typeReq) and port features. */
export const GetPortStatus = 0xa300;
export const SetPortFeature = 0x2303;
export const ClearPortFeature = 0x2301;
export const USB_PORT_FEAT_ENABLE = 1;
export const USB_PORT_FEAT_SUSPEND = 2;
export const USB_PORT_FEAT_RESET = 4;
export const USB_PORT_FEAT_POWER = 8;
export const USB_PORT_FEAT_C_CONNECTION = 16;
export const USB_PORT_FEAT_C_ENABLE = 17;
export const USB_PORT_STAT = { CONNECTION: 0x0001, ENABLE: 0x0002, SUSPEND: 0x0004, RESET: 0x0010, POWER: 0x0100, LOW_SPEED: 0x0200 } as const;
export const USB_PORT_STAT_C = { CONNECTION: 0x0001, ENABLE: 0x0002 } as const;
export const RWC_BITS = UHCI_PORTSC.CSC | UHCI_PORTSC.PEC;

export const EINVAL = -22;
export const EPIPE = -32;
export const EPROTO = -71;
export const EOVERFLOW = -75;
export const ECONNRESET = -104;
export const ENOMEM = -12;
export const ENODEV = -19;
