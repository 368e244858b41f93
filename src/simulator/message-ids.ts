import { randomBytes } from 'node:crypto';
import type { SimulatorConfig } from './options.js';

/**
 * Hands out SMSC message ids in the configured form. Real SMSCs differ here (decimal or hex,
 * sequential or random), and a client must cope with each, so the simulator can be any of them.
 */
export function createMessageIdSource(config: SimulatorConfig['message_id']): () => string {
  const radix = config.format === 'hex' ? 16 : 10;
  if (config.mode === 'random') {
    // 8 random octets: hex ids beyond 2^53, the precision trap of reference §6.4.
    return () => {
      const n = randomBytes(8).readBigUInt64BE(0);
      return radix === 16 ? n.toString(16).toUpperCase() : n.toString(10);
    };
  }
  let next = config.start;
  return () => {
    const id = next.toString(radix).toUpperCase();
    next = next >= Number.MAX_SAFE_INTEGER ? 1 : next + 1;
    return id;
  };
}
