/**
 * The other side of the bus, as a vumi application sees it: publishes to `<name>.outbound` and
 * reads `<name>.inbound` and `<name>.event` over its own RabbitMQ connection, so the transport
 * is tested through the broker exactly as it is deployed.
 */
import { Connection } from 'rabbitmq-client';
import type { Consumer, Publisher } from 'rabbitmq-client';
import { RABBITMQ_URL } from './services.js';

export interface Received {
  body: Record<string, unknown>;
  raw: string;
}

export class VumiApp {
  readonly inbound: Received[] = [];
  readonly events: Received[] = [];
  private readonly connection: Connection;
  private readonly publisher: Publisher;
  private readonly consumers: Consumer[] = [];
  private waiters: (() => void)[] = [];

  constructor(readonly transportName: string) {
    this.connection = new Connection({ url: RABBITMQ_URL, connectionName: `test-app-${transportName}` });
    this.connection.on('error', () => undefined);
    this.publisher = this.connection.createPublisher({ confirm: true });
  }

  /** Declares the queues (as the transport does) and starts reading inbound and events. */
  async start(): Promise<void> {
    await this.connection.exchangeDeclare({ exchange: 'vumi', type: 'direct', durable: true });
    for (const kind of ['outbound', 'inbound', 'event'] as const) {
      const queue = `${this.transportName}.${kind}`;
      await this.connection.queueDeclare({ queue, durable: true });
      await this.connection.queueBind({ queue, exchange: 'vumi', routingKey: queue });
    }
    for (const kind of ['inbound', 'event'] as const) {
      const list = kind === 'inbound' ? this.inbound : this.events;
      const consumer = this.connection.createConsumer({ queue: `${this.transportName}.${kind}`, queueOptions: { durable: true } }, (msg) => {
        const raw = Buffer.isBuffer(msg.body) ? msg.body.toString('utf8') : typeof msg.body === 'string' ? msg.body : JSON.stringify(msg.body);
        list.push({ raw, body: JSON.parse(raw) as Record<string, unknown> });
        for (const wake of this.waiters.splice(0)) wake();
      });
      consumer.on('error', () => undefined);
      this.consumers.push(consumer);
    }
  }

  /** Publishes a raw body (a vumi message as JSON, or anything) to `<name>.outbound`, persistent. */
  async send(body: string | Record<string, unknown>): Promise<void> {
    const payload = Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
    await this.publisher.send({ exchange: 'vumi', routingKey: `${this.transportName}.outbound`, durable: true }, payload);
  }

  /** Waits, with a deadline, until `list` holds an item passing `test`; returns it. */
  async waitFor(kind: 'inbound' | 'events', test: (body: Record<string, unknown>) => boolean, timeoutMs = 10_000): Promise<Record<string, unknown>> {
    const list = kind === 'inbound' ? this.inbound : this.events;
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = list.find((r) => test(r.body));
      if (found) return found.body;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no matching ${kind} within ${timeoutMs} ms; have ${JSON.stringify(list.map((r) => r.body))}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Events about one outbound message. */
  eventsFor(messageId: string): Record<string, unknown>[] {
    return this.events.filter((e) => e.body.user_message_id === messageId).map((e) => e.body);
  }

  /** Messages still in a queue (e.g. a rejected outbound message must not be there). */
  async depth(kind: 'outbound' | 'inbound' | 'event'): Promise<number> {
    const ok = await this.connection.queueDeclare({ queue: `${this.transportName}.${kind}`, passive: true });
    return ok.messageCount;
  }

  async close(deleteQueues = true): Promise<void> {
    for (const c of this.consumers) await c.close();
    await this.publisher.close();
    if (deleteQueues) {
      for (const kind of ['outbound', 'inbound', 'event']) await this.connection.queueDelete({ queue: `${this.transportName}.${kind}` });
    }
    await this.connection.close();
  }
}
