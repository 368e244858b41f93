import { createSimulator } from '../../src/simulator/simulator.js';
import type { Simulator } from '../../src/simulator/simulator.js';
import type { SimulatorOptions } from '../../src/simulator/options.js';

/**
 * The SMSC the transport's integration tests bind to: a free port, no HTTP, no logs, no idle
 * enquire_link, and receipts 20 ms after the submit (retried after 50 ms), so that a test sees a
 * message's ack and its receipt within a few tens of milliseconds. `options` replace these
 * whole (a `receipts` given replaces all of it).
 */
export function transportTestSimulator(options: SimulatorOptions = {}): Simulator {
  return createSimulator({
    port: 0,
    http_port: null,
    log_level: 'silent',
    enquire_link_interval_ms: 0,
    receipts: { delay_ms: 20, retry_delay_ms: 50 },
    ...options,
  });
}
