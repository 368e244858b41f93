import { once } from 'node:events';
import { createServer } from 'node:net';
import type { AddressInfo, Server, Socket } from 'node:net';
import { connect } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { amqpSocketOf, coalesceWritesPerTurn, isCoalescing } from '../../../src/transport/bus/coalesce-writes.js';

/** A loopback server that keeps every byte it gets, and a client connected to it. */
async function socketPair(): Promise<{ server: Server; client: Socket; received: () => Buffer; ended: Promise<void> }> {
  const chunks: Buffer[] = [];
  let ended!: () => void;
  const endedPromise = new Promise<void>((resolve) => (ended = resolve));
  const server = createServer((peer) => {
    peer.on('data', (chunk: Buffer) => chunks.push(chunk));
    peer.on('end', () => {
      ended();
      peer.end();
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const client = connect((server.address() as AddressInfo).port, '127.0.0.1');
  await once(client, 'connect');
  return { server, client, received: () => Buffer.concat(chunks), ended: endedPromise };
}

/** Writes as rabbitmq-client does: each method between its own cork() and uncork(). */
function writeMethod(socket: Socket, frames: string[]): boolean {
  socket.cork();
  let ok = true;
  for (const frame of frames) ok = socket.write(frame);
  socket.uncork();
  return ok;
}

/** After this turn of the event loop, when the held writes go. */
const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('coalesceWritesPerTurn', () => {
  let pair: Awaited<ReturnType<typeof socketPair>>;

  beforeEach(async () => {
    expect.hasAssertions();
    pair = await socketPair();
  });
  afterEach(async () => {
    pair.client.destroy();
    await new Promise((resolve) => pair.server.close(resolve));
  });

  it('holds what each cork/uncork wrote in this turn of the event loop, then sends it all, in order', async () => {
    const { client } = pair;
    coalesceWritesPerTurn(client);
    const frames = Array.from({ length: 20 }, (_, i) => [`<m${i}:`, 'header', `body${i}>`]);
    for (const method of frames) writeMethod(client, method);
    const expected = frames.flat().join('');
    // Nothing has gone to the kernel yet: every byte waits in the socket's buffer.
    expect(client.writableLength).toBe(Buffer.byteLength(expected));
    await nextTurn();
    expect(client.writableLength).toBe(0);
    client.end();
    await pair.ended;
    expect(pair.received().toString()).toBe(expected);
  });

  it('without it each uncork writes at once (what it changes)', () => {
    const { client } = pair;
    writeMethod(client, ['<a>', '<b>']);
    writeMethod(client, ['<c>']);
    expect(client.writableLength).toBe(0);
  });

  it('is applied once however often it is asked, and says so', async () => {
    const { client } = pair;
    expect(isCoalescing(client)).toBe(false);
    coalesceWritesPerTurn(client);
    coalesceWritesPerTurn(client);
    expect(isCoalescing(client)).toBe(true);
    writeMethod(client, ['<a>']);
    writeMethod(client, ['<b>']);
    expect(client.writableLength).toBe(6);
    await nextTurn();
    expect(client.writableLength).toBe(0);
  });

  it('end() in the same turn still sends everything before the FIN', async () => {
    const { client } = pair;
    coalesceWritesPerTurn(client);
    writeMethod(client, ['<last', ' words>']);
    client.end();
    await pair.ended;
    expect(pair.received().toString()).toBe('<last words>');
  });

  it('keeps back-pressure: past the high-water mark write() says wait, and drain follows the flush', async () => {
    const { client } = pair;
    coalesceWritesPerTurn(client);
    const big = 'x'.repeat(client.writableHighWaterMark);
    expect(writeMethod(client, ['<', big, '>'])).toBe(false);
    await once(client, 'drain');
    client.end();
    await pair.ended;
    expect(pair.received().toString()).toBe(`<${big}>`);
  });
});

describe('amqpSocketOf', () => {
  it('answers undefined for an object with no socket where rabbitmq-client keeps it', () => {
    expect.hasAssertions();
    expect(amqpSocketOf({})).toBeUndefined();
    expect(amqpSocketOf({ _socket: 'not a socket' })).toBeUndefined();
  });
});
