import { once } from 'node:events';
import { connect, createServer } from 'node:net';
import type { Server, Socket } from 'node:net';
import { pino } from 'pino';
import { TimeoutError } from 'redis';
import { describe, expect, it } from 'vitest';
import { RedisConnection } from '../../../src/transport/state/index.js';
import { REDIS_URL, redisAvailable } from '../../helpers/services.js';
import { connectTo, silent, testPrefix } from './redis-test-keys.js';

/** A TCP proxy in front of Redis that a test can take away (every connection cut, the port refused) and bring back. */
class RedisProxy {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  port = 0;

  async open(): Promise<void> {
    const target = new URL(REDIS_URL);
    this.server = createServer((client) => {
      const upstream = connect(Number(target.port || 6379), target.hostname);
      for (const socket of [client, upstream]) {
        this.sockets.add(socket);
        socket.on('close', () => this.sockets.delete(socket));
        socket.on('error', () => undefined);
      }
      client.pipe(upstream).pipe(client);
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
    this.server.listen(this.port, '127.0.0.1');
    await once(this.server, 'listening');
    this.port = (this.server.address() as { port: number }).port;
  }

  async close(): Promise<void> {
    const server = this.server;
    if (server === undefined) return;
    this.server = undefined;
    for (const socket of this.sockets) socket.destroy();
    await new Promise((resolve) => server.close(resolve));
  }
}

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

  it('times out a command made while Redis is away, and puts no timer on one made while it is there', async () => {
    expect.hasAssertions();
    const proxy = new RedisProxy();
    await proxy.open();
    const connection = await RedisConnection.connect({ url: `redis://127.0.0.1:${proxy.port}`, logger: silent, commandTimeoutMs: 100, maxReconnectDelayMs: 20 });
    try {
      // Connected: the client itself, which node-redis gives no AbortSignal.timeout per command.
      expect(connection.commands).toBe(connection.client);
      expect(await connection.commands.ping()).toBe('PONG');

      const lost = once(connection.client, 'error');
      await proxy.close();
      await lost;
      expect(connection.ready).toBe(false);
      expect(connection.commands).not.toBe(connection.client);
      await expect(connection.commands.get('any')).rejects.toBeInstanceOf(TimeoutError);

      const back = once(connection.client, 'ready');
      await proxy.open();
      await back;
      expect(connection.commands).toBe(connection.client);
      expect(await connection.commands.ping()).toBe('PONG');
    } finally {
      await connection.close();
      await proxy.close();
    }
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
