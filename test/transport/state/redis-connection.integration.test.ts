import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { RedisConnection } from '../../../src/transport/state/index.js';
import { REDIS_URL, redisAvailable } from '../../helpers/services.js';
import { connectTo, testPrefix } from './redis-test-keys.js';

describe.runIf(await redisAvailable())('RedisConnection (Redis)', () => {
  it('reconnects by itself when the server drops it, and logs that it did', async () => {
    expect.hasAssertions();
    const messages: string[] = [];
    const logger = pino({ level: 'debug' }, { write: (line: string) => void messages.push((JSON.parse(line) as { msg: string }).msg) });
    const connection = await RedisConnection.connect({ url: REDIS_URL, logger });
    const admin = await connectTo(testPrefix('redis-connection'));
    try {
      expect(connection.ready).toBe(true);
      const id = await connection.client.clientId();
      await admin.client.sendCommand(['CLIENT', 'KILL', 'ID', String(id)]);
      // A command in flight when the socket goes fails; one sent once the client knows waits in
      // the offline queue and is answered after the reconnect.
      const deadline = Date.now() + 2_000;
      while (!messages.includes('Redis connection error; reconnecting') && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      expect(await connection.client.ping()).toBe('PONG');
      expect(await connection.client.clientId()).not.toBe(id);
      expect(messages).toContain('Redis connection error; reconnecting');
      expect(messages).toContain('reconnected to Redis');
      expect(connection.ready).toBe(true);
    } finally {
      await connection.close();
      await admin.close();
    }
    expect(connection.client.isOpen).toBe(false);
  });

  it('names its client', async () => {
    expect.hasAssertions();
    const connection = await connectTo(testPrefix('redis-connection'), { clientName: 'smpp-test' });
    try {
      expect(await connection.client.clientGetName()).toBe('smpp-test');
    } finally {
      await connection.close();
    }
  });
});
