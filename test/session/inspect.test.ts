import { Writable } from 'node:stream';
import { pino } from 'pino';
import { beforeEach, describe, expect, it } from 'vitest';
import { SmppClient } from '../../src/session/smpp-client.js';
import { createSimulator } from '../../src/simulator/simulator.js';

beforeEach(() => {
  expect.hasAssertions();
});

describe('inspection', () => {
  it('logs inspection events without the password or a TLS key', async () => {
    const sim = createSimulator({ port: 0, http_port: null, log_level: 'silent', accounts: [{ system_id: 'acct', password: 's3cr3tpw' }] });
    const { port } = await sim.start();
    const lines: string[] = [];
    const logger = pino({ level: 'debug' }, new Writable({ write: (chunk: Buffer, _e, done) => (lines.push(chunk.toString()), done()) }));
    const client = new SmppClient({ host: '127.0.0.1', port, system_id: 'acct', password: 's3cr3tpw', logger, inspect: 'log' }).start();
    try {
      await client.whenBound(5_000);
      const inspections = lines.filter((l) => l.includes('statechart inspection event'));
      expect(inspections.length).toBeGreaterThan(5);
      expect(lines.join('\n')).not.toContain('s3cr3tpw');
      expect(inspections.join('\n')).toContain('[redacted]');
    } finally {
      await client.stop();
      await sim.stop();
    }
  });
});
