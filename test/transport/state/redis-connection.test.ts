import { createServer } from 'node:net';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { defaultKeyPrefix, RedisConnection, redactRedisUrl } from '../../../src/transport/state/index.js';

/** A port nothing listens on (bound, then released). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

function capture() {
  const lines: { level: number; msg: string }[] = [];
  const raw: string[] = [];
  const logger = pino({ level: 'debug' }, {
    write: (line: string) => {
      raw.push(line);
      lines.push(JSON.parse(line) as { level: number; msg: string });
    },
  });
  return { logger, lines, raw };
}

describe('redactRedisUrl', () => {
  it('hides the password, keeps the rest', () => {
    expect.hasAssertions();
    expect(redactRedisUrl('redis://user:s3cret@redis.example:6380/2')).toBe('redis://user:***@redis.example:6380/2');
    expect(redactRedisUrl('rediss://:s3cret@redis.example')).toBe('rediss://:***@redis.example');
    expect(redactRedisUrl('redis://127.0.0.1:6379')).toBe('redis://127.0.0.1:6379');
    expect(redactRedisUrl('not a url s3cret')).not.toContain('s3cret');
  });
});

describe('defaultKeyPrefix', () => {
  it('is smpp:<transport_name>:', () => {
    expect.hasAssertions();
    expect(defaultKeyPrefix('smpp_transport')).toBe('smpp:smpp_transport:');
  });
});

describe('RedisConnection without a Redis', () => {
  it('logs the outage once at error level, never the password, and close() ends the wait', async () => {
    expect.hasAssertions();
    const port = await closedPort();
    const { logger, lines, raw } = capture();
    const connection = new RedisConnection({ url: `redis://user:hunter2@127.0.0.1:${port}`, logger, maxReconnectDelayMs: 20 });
    const connecting = connection.connect();
    const outcome = connecting.then(
      () => 'connected',
      (error: unknown) => (error instanceof Error ? error.message : String(error)),
    );
    const deadline = Date.now() + 2_000;
    while (lines.filter((line) => line.msg === 'Redis still unreachable').length < 3 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    await connection.close();
    expect(await outcome).toMatch(/closed while connecting/);
    expect(lines.filter((line) => line.level >= 50)).toHaveLength(1);
    expect(lines.filter((line) => line.msg === 'Redis still unreachable').length).toBeGreaterThanOrEqual(3);
    expect(raw.join('')).not.toContain('hunter2');
    expect(raw.join('')).toContain('user:***@127.0.0.1');
    expect(connection.safeUrl).toBe(`redis://user:***@127.0.0.1:${port}`);
    await connection.close(); // twice is harmless
    await expect(connection.connect()).rejects.toThrow(/closed/);
  });

  it('prefixes keys', () => {
    expect.hasAssertions();
    const connection = new RedisConnection({ keyPrefix: 'smpp:t1:', logger: pino({ level: 'silent' }) });
    expect(connection.key('sequence')).toBe('smpp:t1:sequence');
    expect(new RedisConnection({ logger: pino({ level: 'silent' }) }).keyPrefix).toBe('smpp:');
  });
});
