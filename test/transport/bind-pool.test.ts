/** The bind pool: which bind an outbound message goes on, and when some bind can take one. */
import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import type { BindType } from '../../src/session/config.js';
import type { SmppClient } from '../../src/session/smpp-client.js';
import { BindPool } from '../../src/transport/processors/bind-pool.js';
import { StoppingError } from '../../src/transport/processors/publish.js';

/** What the pool reads of a client: bound or not, its window's size and pause, and state changes. */
class FakeClient {
  bound = true;
  readonly runtime = { window: Object.assign(new EventEmitter(), { size: 2, paused: false }) };
  private readonly listeners: (() => void)[] = [];
  readonly actor = {
    subscribe: (observer: { next: () => void }) => {
      this.listeners.push(observer.next);
      return { unsubscribe: () => this.listeners.splice(this.listeners.indexOf(observer.next), 1) };
    },
  };

  get isBound(): boolean {
    return this.bound;
  }

  setBound(bound: boolean): void {
    this.bound = bound;
    for (const l of [...this.listeners]) l();
  }

  setPaused(paused: boolean): void {
    this.runtime.window.paused = paused;
    this.runtime.window.emit(paused ? 'paused' : 'resumed', {});
  }
}

function pool(...types: BindType[]): { pool: BindPool; clients: FakeClient[] } {
  const clients = types.map(() => new FakeClient());
  const p = new BindPool(clients.map((c, i) => ({ client: c as unknown as SmppClient, bindType: types[i]! })));
  p.watch();
  return { pool: p, clients };
}

const signal = new AbortController().signal;

describe('BindPool', () => {
  it('lends to the bind with the fewest messages in hand, round robin on ties', async () => {
    const { pool: p } = pool('transceiver', 'transceiver', 'transceiver');
    const first = await Promise.all([p.acquire(signal), p.acquire(signal), p.acquire(signal)]);
    expect(first.map((l) => l.index)).toEqual([0, 1, 2]);
    first[1].release();
    expect((await p.acquire(signal)).index).toBe(1);
    expect(p.inHand).toEqual([1, 1, 1]);
  });

  it('never lends a receiver; canTransmit follows the transmit-capable binds', async () => {
    const { pool: p, clients } = pool('receiver', 'transmitter');
    const changes: boolean[] = [];
    p.on('transmit', (can) => changes.push(can));
    expect(p.canTransmit).toBe(true);
    for (let i = 0; i < 2; i++) expect((await p.acquire(signal)).index).toBe(1);
    clients[1]!.setBound(false);
    expect(p.canTransmit).toBe(false);
    clients[0]!.setBound(false);
    clients[1]!.setBound(true);
    expect(changes).toEqual([false, true]);
  });

  it('a full window makes the next message wait, first come first served, until a lease comes back', async () => {
    const { pool: p } = pool('transceiver');
    const a = await p.acquire(signal);
    await p.acquire(signal);
    const order: string[] = [];
    const c = p.acquire(signal).then((l) => (order.push('c'), l));
    const d = p.acquire(signal).then((l) => (order.push('d'), l));
    expect(p.waiting).toBe(2);
    a.release();
    a.release(); // twice is harmless
    await c;
    expect(order).toEqual(['c']);
    expect(p.waiting).toBe(1);
    (await c).release();
    await d;
    expect(order).toEqual(['c', 'd']);
  });

  it('waits with no bind up, and lends once one binds', async () => {
    const { pool: p, clients } = pool('transceiver');
    clients[0]!.setBound(false);
    const lease = p.acquire(signal);
    expect(p.waiting).toBe(1);
    clients[0]!.setBound(true);
    expect((await lease).index).toBe(0);
  });

  it('a bind paused by throttling is taken last, and all paused means none can transmit', async () => {
    const { pool: p, clients } = pool('transceiver', 'transceiver');
    clients[0]!.setPaused(true);
    expect((await p.acquire(signal)).index).toBe(1);
    expect((await p.acquire(signal)).index).toBe(1);
    expect((await p.acquire(signal)).index).toBe(0); // room only there
    const changes: boolean[] = [];
    p.on('transmit', (can) => changes.push(can));
    clients[1]!.setPaused(true);
    expect(changes).toEqual([false]);
    clients[0]!.setPaused(false);
    expect(changes).toEqual([false, true]);
  });

  it('close() and an aborted signal hand waiting messages back with StoppingError', async () => {
    const { pool: p, clients } = pool('transceiver');
    clients[0]!.setBound(false);
    const abort = new AbortController();
    const aborted = p.acquire(abort.signal);
    const closed = p.acquire(signal);
    abort.abort();
    await expect(aborted).rejects.toBeInstanceOf(StoppingError);
    expect(p.waiting).toBe(1);
    p.close();
    await expect(closed).rejects.toBeInstanceOf(StoppingError);
    await expect(p.acquire(signal)).rejects.toBeInstanceOf(StoppingError);
  });
});
