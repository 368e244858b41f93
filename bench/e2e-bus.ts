/**
 * The RabbitMQ side of `npm run bench:e2e`: a publisher that keeps a fixed number of confirmed,
 * persistent publishes in flight; the raw bus measurement (publish → consume + ack of the same
 * messages on a plain queue: the ceiling); and a lean "vumi application" reading
 * `<name>.event`, which notes when each ack arrives.
 */
import { Connection } from 'rabbitmq-client';
import type { Consumer, Publisher } from 'rabbitmq-client';
import { amqpSocketOf, coalesceWritesPerTurn } from '../src/transport/bus/coalesce-writes.js';

export const VUMI_EXCHANGE = 'vumi';

/**
 * Every connection of the bench, like the transport's, turns Nagle's algorithm off: with it on
 * (rabbitmq-client's default) small publishes and acks wait for the broker's delayed ACK, and
 * the raw bus alone showed a p50 of 22 ms and a p99 of 45 ms at 1,000/s on loopback.
 */
export function benchConnection(url: string, connectionName: string): Connection {
  return new Connection({ url, connectionName, noDelay: true });
}

/** Publishes to the vumi exchange with confirms, at most `window` unconfirmed. */
export class BusPublisher {
  private readonly publisher: Publisher;

  constructor(
    readonly connection: Connection,
    readonly window: number,
  ) {
    this.publisher = connection.createPublisher({ confirm: true });
  }

  send(routingKey: string, body: Buffer): Promise<void> {
    return this.publisher.send({ exchange: VUMI_EXCHANGE, routingKey, durable: true }, body);
  }

  /** Publishes `bodies(i)` for i in [0, n), `window` in flight; `before(i)` runs just before each send. */
  async all(routingKey: string, n: number, body: (i: number) => Buffer, before?: (i: number) => void): Promise<void> {
    let next = 0;
    const worker = async () => {
      while (next < n) {
        const i = next++;
        before?.(i);
        await this.send(routingKey, body(i));
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.window, n) }, worker));
  }

  /**
   * Publishes at `rate` per second for `n` messages (a tick every 10 ms sends what is due), not
   * waiting for confirms before the next send; resolves once all are confirmed.
   */
  async paced(routingKey: string, n: number, rate: number, body: (i: number) => Buffer, before: (i: number) => void): Promise<void> {
    const start = performance.now();
    const pending: Promise<void>[] = [];
    let sent = 0;
    while (sent < n) {
      const due = Math.min(n, Math.floor(((performance.now() - start) / 1000) * rate) + 1);
      for (; sent < due; sent++) {
        before(sent);
        pending.push(this.send(routingKey, body(sent)));
      }
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    await Promise.all(pending);
  }

  close(): Promise<void> {
    return this.publisher.close();
  }
}

export async function declareQueue(connection: Connection, queue: string): Promise<void> {
  await connection.exchangeDeclare({ exchange: VUMI_EXCHANGE, type: 'direct', durable: true });
  await connection.queueDeclare({ queue, durable: true });
  await connection.queueBind({ queue, exchange: VUMI_EXCHANGE, routingKey: queue });
}

/** Resolves when the consumer is ready; rejects on its first error before that (a bad declaration). */
function ready(consumer: Consumer): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    consumer.once('ready', () => {
      consumer.on('error', () => undefined);
      resolve();
    });
    consumer.once('error', (err) => reject(err instanceof Error ? err : new Error(String(err))));
  });
}

export interface RawResult {
  messages: number;
  seconds: number;
  rate: number;
}

/**
 * The ceiling: `n` persistent messages published with confirms (`publishWindow` in flight) to a
 * durable queue, consumed and acked with prefetch `prefetch`, concurrently; first publish to last
 * ack.
 */
export async function rawBus(url: string, queue: string, n: number, body: (i: number) => Buffer, publishWindow: number, prefetch: number): Promise<RawResult> {
  const connection = benchConnection(url, 'bench-e2e-raw');
  connection.on('error', () => undefined);
  try {
    await declareQueue(connection, queue);
    await connection.queuePurge({ queue });
    let consumed = 0;
    let done: () => void = () => undefined;
    const finished = new Promise<void>((resolve) => (done = resolve));
    const consumer = connection.createConsumer({ queue, queueOptions: { durable: true }, qos: { prefetchCount: prefetch }, concurrency: prefetch }, () => {
      if (++consumed === n) done();
    });
    await ready(consumer);
    const publisher = new BusPublisher(connection, publishWindow);
    const start = performance.now();
    await publisher.all(queue, n, body);
    await finished;
    const seconds = (performance.now() - start) / 1000;
    await consumer.close();
    await publisher.close();
    return { messages: n, seconds, rate: n / seconds };
  } finally {
    await connection.queueDelete({ queue }).catch(() => undefined);
    await connection.close();
  }
}

/** A consumed message's body as bytes (a Buffer unless a content type made rabbitmq-client decode it). */
const asBuffer = (body: unknown): Buffer => (Buffer.isBuffer(body) ? body : Buffer.from(String(body)));

/** Per message of a paced run: when it was sent and when it was read back, by its index. */
class LatencyRecorder {
  private readonly sentAt: Float64Array;
  private readonly gotAt: Float64Array;
  private got = 0;
  private done: () => void = () => undefined;
  private readonly finished = new Promise<void>((resolve) => (this.done = resolve));

  constructor(
    private readonly n: number,
    private readonly index: (body: Buffer) => number,
  ) {
    this.sentAt = new Float64Array(n);
    this.gotAt = new Float64Array(n);
  }

  sent(i: number): void {
    this.sentAt[i] = performance.now();
  }

  /** A message read back; a copy, or a body that is not one of the run's, counts for nothing. */
  read(body: Buffer): void {
    const i = this.index(body);
    if (i >= 0 && i < this.n && this.gotAt[i] === 0) {
      this.gotAt[i] = performance.now();
      if (++this.got === this.n) this.done();
    }
  }

  /** Once every message is read back: each one's send → read, in ms, sorted. */
  async latencies(): Promise<number[]> {
    await this.finished;
    return Array.from({ length: this.n }, (_, i) => this.gotAt[i]! - this.sentAt[i]!).sort((a, b) => a - b);
  }
}

/** Where a measurement drives the relay: the app's publisher and the queue the relay consumes. */
interface RelayEnds {
  readonly publisher: BusPublisher;
  readonly queue: string;
}

/**
 * The same two crossings of the broker as the transport's path, with nothing else: messages
 * published to queue A (`publishWindow` in flight); a relay, on its own connection with the
 * transport's socket settings (Nagle off, writes coalesced per turn of the event loop), consumes
 * A with prefetch `prefetch`, publishes `reply(body)` to queue B with a confirm, and only then
 * acks; a reader on the app's connection consumes B and hands each body to `onRead`. No SMPP, no
 * Redis, no parsing: the broker's share of the transport's cost. `run` drives one measurement.
 */
async function throughRelay<T>(
  url: string,
  queue: string,
  prefetch: number,
  publishWindow: number,
  reply: (body: Buffer) => Buffer,
  onRead: (body: Buffer) => void,
  run: (ends: RelayEnds) => Promise<T>,
): Promise<T> {
  const [a, b] = [`${queue}.a`, `${queue}.b`];
  const app = benchConnection(url, 'bench-e2e-relay-app');
  const relay = benchConnection(url, 'bench-e2e-relay');
  for (const connection of [app, relay]) connection.on('error', () => undefined);
  relay.on('connection', () => {
    const socket = amqpSocketOf(relay);
    if (socket !== undefined) coalesceWritesPerTurn(socket);
  });
  try {
    for (const q of [a, b]) {
      await declareQueue(app, q);
      await app.queuePurge({ queue: q });
    }
    const relayPublisher = relay.createPublisher({ confirm: true });
    const relayConsumer = relay.createConsumer({ queue: a, queueOptions: { durable: true }, qos: { prefetchCount: prefetch }, concurrency: prefetch }, async (msg) => {
      await relayPublisher.send({ exchange: VUMI_EXCHANGE, routingKey: b, durable: true }, reply(asBuffer(msg.body)));
    });
    const reader = app.createConsumer({ queue: b, queueOptions: { durable: true }, qos: { prefetchCount: 200 }, concurrency: 200 }, (msg) => onRead(asBuffer(msg.body)));
    await Promise.all([ready(relayConsumer), ready(reader)]);
    const publisher = new BusPublisher(app, publishWindow);
    try {
      return await run({ publisher, queue: a });
    } finally {
      await Promise.all([relayConsumer.close(), reader.close()]);
      await Promise.all([publisher.close(), relayPublisher.close()]);
    }
  } finally {
    for (const q of [a, b]) await app.queueDelete({ queue: q }).catch(() => undefined);
    await Promise.all([relay.close(), app.close()]);
  }
}

/**
 * What RabbitMQ allows any transport here (see throughRelay): `n` messages through the relay,
 * which publishes `reply` (an ack event) for each; first publish to the last message read from B.
 */
export async function rawRelay(
  url: string,
  queue: string,
  n: number,
  body: (i: number) => Buffer,
  reply: Buffer,
  publishWindow: number,
  prefetch: number,
): Promise<RawResult> {
  let read = 0;
  let done: () => void = () => undefined;
  const finished = new Promise<void>((resolve) => (done = resolve));
  const onRead = () => {
    if (++read === n) done();
  };
  return throughRelay(url, queue, prefetch, publishWindow, () => reply, onRead, async ({ publisher, queue: a }) => {
    const start = performance.now();
    await publisher.all(a, n, body);
    await finished;
    const seconds = (performance.now() - start) / 1000;
    return { messages: n, seconds, rate: n / seconds };
  });
}

/**
 * A latency run: `n` messages, `body(i)` the i-th, published at `rate` per second; `index` reads
 * a message's number back from its body; consumers take `prefetch` at a time.
 */
export interface PacedRun {
  readonly n: number;
  readonly rate: number;
  readonly body: (i: number) => Buffer;
  readonly index: (body: Buffer) => number;
  readonly prefetch: number;
}

/**
 * The floor of the transport's latency here: the run through the relay (see throughRelay), which
 * passes each body on as it is; per message, publish → read from B, in ms, sorted.
 */
export async function relayLatency(
  url: string,
  queue: string,
  { n, rate, body, index, prefetch }: PacedRun,
): Promise<number[]> {
  const recorder = new LatencyRecorder(n, index);
  return throughRelay(url, queue, prefetch, n, (bytes) => bytes, (bytes) => recorder.read(bytes), async ({ publisher, queue: a }) => {
    await publisher.paced(a, n, rate, body, (i) => recorder.sent(i));
    return recorder.latencies();
  });
}

/**
 * The bus's own latency at a fixed rate: the run published to a durable queue and consumed; per
 * message, publish → consumed, in ms, sorted.
 */
export async function rawLatency(
  url: string,
  queue: string,
  { n, rate, body, index, prefetch }: PacedRun,
): Promise<number[]> {
  const connection = benchConnection(url, 'bench-e2e-raw-latency');
  connection.on('error', () => undefined);
  try {
    await declareQueue(connection, queue);
    await connection.queuePurge({ queue });
    const recorder = new LatencyRecorder(n, index);
    const consumer = connection.createConsumer({ queue, queueOptions: { durable: true }, qos: { prefetchCount: prefetch }, concurrency: prefetch }, (msg) =>
      recorder.read(asBuffer(msg.body)),
    );
    await ready(consumer);
    const publisher = new BusPublisher(connection, n);
    await publisher.paced(queue, n, rate, body, (i) => recorder.sent(i));
    const latencies = await recorder.latencies();
    await consumer.close();
    await publisher.close();
    return latencies;
  } finally {
    await connection.queueDelete({ queue }).catch(() => undefined);
    await connection.close();
  }
}

/** Reads `<name>.event` and calls `onAck(user_message_id, event_type)` for every ack or nack. */
export class EventReader {
  private consumer: Consumer | undefined;
  acks = 0;
  nacks = 0;
  other = 0;

  constructor(
    readonly connection: Connection,
    readonly transportName: string,
    private readonly onFinal: (messageId: string, eventType: string) => void,
  ) {}

  async start(): Promise<void> {
    const queue = `${this.transportName}.event`;
    await declareQueue(this.connection, queue);
    const consumer = this.connection.createConsumer({ queue, queueOptions: { durable: true }, qos: { prefetchCount: 200 }, concurrency: 200 }, (msg) => {
      const raw = Buffer.isBuffer(msg.body) ? msg.body.toString('utf8') : typeof msg.body === 'string' ? msg.body : JSON.stringify(msg.body);
      const event = JSON.parse(raw) as { user_message_id?: string; event_type?: string };
      if (event.event_type === 'ack') this.acks++;
      else if (event.event_type === 'nack') this.nacks++;
      else {
        this.other++;
        return;
      }
      this.onFinal(String(event.user_message_id), event.event_type);
    });
    await ready(consumer);
    this.consumer = consumer;
  }

  async close(): Promise<void> {
    await this.consumer?.close();
  }
}
