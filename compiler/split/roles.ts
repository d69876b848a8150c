// What the kernel's own conventions say about a driver function, by where the driver puts it: which
// ops-table members, registration arguments and callback fields the kernel calls in atomic context
// (critical roots) and which it calls from process context (entry points that may leave the kernel).
// Sidecar `critical` lines and MDL_CRITICAL add to the critical ones.

/** Ops-table members and callback fields the kernel calls in atomic context, with why. */
export const CRITICAL_MEMBERS: Record<string, string> = {
  'net_device_ops.ndo_start_xmit': 'transmit',
  'net_device_ops.ndo_tx_timeout': 'transmit watchdog (timer context)',
  'net_device_ops.ndo_poll_controller': 'netpoll (interrupts off)',
  'net_device_ops.ndo_set_rx_mode': 'receive filter (under the address-list lock)',
  'net_device_ops.ndo_get_stats64': 'statistics (RCU read side, may not sleep)',
  'net_device_ops.ndo_get_stats': 'statistics (RCU read side, may not sleep)',
  'napi_struct.poll': 'NAPI poll (softirq)',
  'snd_pcm_ops.trigger': 'PCM trigger (atomic)',
  'snd_pcm_ops.pointer': 'PCM pointer (atomic)',
  'snd_pcm_ops.ack': 'PCM ack (atomic)',
  'snd_rawmidi_ops.trigger': 'MIDI trigger (under the substream lock)',
  'hc_driver.irq': 'interrupt handler',
  'hc_driver.urb_enqueue': 'URB submission (atomic context)',
  'hc_driver.urb_dequeue': 'URB unlink (atomic context)',
  'hc_driver.hub_status_data': 'root-hub status polling (timer context)',
  'hc_driver.get_frame_number': 'frame number (atomic context)',
  'timer_list.function': 'timer callback',
  'hrtimer.function': 'hrtimer callback',
  'tasklet_struct.func': 'tasklet callback',
  'tasklet_struct.callback': 'tasklet callback',
};

/** Kernel services whose function-pointer argument the kernel calls back in atomic context. */
export const CRITICAL_ARGS: Record<string, Record<number, string>> = {
  request_irq: { 1: 'interrupt handler' },
  request_threaded_irq: { 1: 'interrupt handler' },
  devm_request_irq: { 2: 'interrupt handler' },
  devm_request_threaded_irq: { 2: 'interrupt handler' },
  netif_napi_add: { 2: 'NAPI poll (softirq)' },
  netif_napi_add_weight: { 2: 'NAPI poll (softirq)' },
  netif_napi_add_tx_weight: { 2: 'NAPI poll (softirq)' },
  netif_tx_napi_add: { 2: 'NAPI poll (softirq)' },
  init_timer_key: { 1: 'timer callback' },
  timer_setup: { 1: 'timer callback' },
  tasklet_setup: { 1: 'tasklet callback' },
  tasklet_init: { 1: 'tasklet callback' },
};

/** A function returning this type is an interrupt handler. */
export const IRQ_RETURN = 'irqreturn_t';
