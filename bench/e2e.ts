/**
 * `npm run bench:e2e`: the whole path as deployed, on this machine, in one run.
 *
 * 1. **Raw bus (the ceiling).** N persistent messages (the same bodies as below) published with
 *    confirms to a durable queue and consumed + acked with prefetch = worker_concurrency:
 *    messages per second from the first publish to the last ack. Measured again at the end.
 * 2. **Relay.** The same N through the broker twice, as the transport's path crosses it, with
 *    nothing else: consume, publish an ack event with a confirm, ack (see `rawRelay`). What the
 *    broker leaves for any transport on this machine.
 * 3. **Throughput.** The transport (`smpp-transport run`, a child process, so its RSS is its own)
 *    bound to the simulator (a child process of its own); N messages published to
 *    `<name>.outbound` as fast as confirms allow: messages per second from the first publish to
 *    the Nth ack event read from `<name>.event`. The transport moves each message through the
 *    broker twice (outbound in, event out), hence the goal of half the raw rate.
 * 4. **Latency.** 1,000 messages per second for 10 s: per message, publish → ack event read;
 *    p50, p99, max. Beside it, the same through the raw bus (one crossing) and through the relay
 *    (two crossings, the floor of the transport's path).
 * 5. **Memory.** The transport's VmRSS every 100 ms over the whole run: the peak, and over the
 *    throughput run the mean RSS of the second and of the last quarter of the messages (by acks
 *    read), and their ratio (a leak shows as a last quarter above the second).
 * 6. **CPU.** The transport's over the throughput run, and where the rest of the machine's goes
 *    (RabbitMQ, Redis, the simulator, this process) during the relay and the throughput run.
 *
 * E2E_MESSAGES (N, default 100,000), E2E_RATE (default 1000), E2E_LATENCY_SECONDS (default 10),
 * E2E_CONCURRENCY (worker_concurrency = window_size, default 50), E2E_REDIS=0 (sequencer and
 * cache in memory instead of Redis: the cache then holds every message id for
 * smpp_cache_config.timeout, a day, which the RSS shows), E2E_TSX=1 (run src/cli.ts through tsx
 * instead of dist/src/cli.js, which `npm run bench:e2e` builds first; tsx's loader adds to the
 * RSS), E2E_NODE_ARGS (options for the transport's node, split on spaces: `--cpu-prof
 * --cpu-prof-dir=/tmp/prof` profiles it), E2E_TRANSPORT_LOG (a file that keeps the transport's
 * output; by default it is deleted), E2E_LATENCY_FIRST=1 (the latency run before the throughput
 * run, on a transport and broker that have not just moved N messages). `--quick` is N = 20,000.
 */
import { randomUUID } from 'node:crypto';
import os from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { createEvent, createMessage, serialiseEvent } from '../src/transport/messages.js';
import { RABBITMQ_URL, REDIS_URL } from '../test/helpers/services.js';
import { TransportProcess } from '../test/chaos/transport-process.js';
import { deleteRedisKeys } from '../test/helpers/redis-keys.js';
import { BusPublisher, EventReader, benchConnection, declareQueue, rawBus, rawLatency, rawRelay, relayLatency } from './e2e-bus.js';
import { CpuMeter, RssSampler, cpuSeconds, mib, percentile, pidsNamed, stealSeconds, writeSyscalls } from './e2e-measure.js';
import { SimulatorChild } from './simulator-child.js';

const args = process.argv.slice(2);
const N = Number(process.env.E2E_MESSAGES ?? (args.includes('--quick') ? 20_000 : 100_000));
const RATE = Number(process.env.E2E_RATE ?? 1_000);
const LATENCY_SECONDS = Number(process.env.E2E_LATENCY_SECONDS ?? 10);
const CONCURRENCY = Number(process.env.E2E_CONCURRENCY ?? 50);
/** Sequencer and cache in Redis (the deployed setup; the process's RSS is then its own working set); E2E_REDIS=0: in memory. */
const REDIS = process.env.E2E_REDIS !== '0';
/** The transport as installed (`dist/`, which `npm run bench:e2e` builds), unless E2E_TSX=1. */
const DIST = process.env.E2E_TSX !== '1';
const NODE_ARGS = (process.env.E2E_NODE_ARGS ?? '').split(' ').filter((arg) => arg !== '');
/** The latency run before the throughput run instead of after it. */
const LATENCY_FIRST = process.env.E2E_LATENCY_FIRST === '1';
/** Unconfirmed publishes in flight, for the raw bus and the throughput run alike. */
const PUBLISH_WINDOW = 100;
const WARMUP = 2_000;

function machine(): string {
  const cpus = os.cpus();
  return [
    `Node ${process.version} (V8 ${process.versions.v8}) on ${os.platform()}/${os.arch()}`,
    `CPU: ${cpus[0]?.model.trim() ?? 'unknown'}, ${cpus.length} cores (available parallelism ${os.availableParallelism()})`,
    `Memory: ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB; load average ${os.loadavg()[0]!.toFixed(2)}; ${new Date().toISOString()}`,
  ].join('\n');
}

/** process.cpuUsage() as seconds. */
const cpuOf = (usage: NodeJS.CpuUsage) => (usage.user + usage.system) / 1e6;
/** CPU seconds over a run as a share of one core; — when not measured. */
const share = (cpu: number | undefined, seconds: number) => (cpu === undefined ? '—' : `${Math.round((cpu / seconds) * 100)} %`);

const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });

function table(header: readonly string[], rows: readonly (readonly string[])[], numeric: readonly boolean[]): void {
  console.log(`| ${header.join(' | ')} |`);
  console.log(`|${numeric.map((n) => (n ? '--:' : '---')).join('|')}|`);
  for (const row of rows) console.log(`| ${row.join(' | ')} |`);
}

async function main(): Promise<number> {
  for (const [name, value] of [['E2E_MESSAGES', N], ['E2E_RATE', RATE], ['E2E_LATENCY_SECONDS', LATENCY_SECONDS], ['E2E_CONCURRENCY', CONCURRENCY]] as const) {
    if (!Number.isInteger(value) || value <= 0) {
      console.error(`${name} must be a positive integer, got ${value}`);
      return 1;
    }
  }
  console.log(machine());
  console.log(
    `\n## e2e: vumi app → RabbitMQ → smpp-transport (child process) → simulator → ack event\n\n` +
      `N = ${fmt(N)} messages; worker_concurrency = window_size = ${CONCURRENCY}; sequencer and cache in ${REDIS ? 'Redis' : 'memory'}; transport run from ${DIST ? 'dist/src/cli.js' : 'src/cli.ts through tsx'}; ` +
      `no delivery receipts; ${PUBLISH_WINDOW} confirmed publishes in flight; RabbitMQ on this machine, the simulator in a child process\n`,
  );

  const name = `bench-e2e-${randomUUID().slice(0, 8)}`;
  const body = (i: number) =>
    Buffer.from(
      JSON.stringify(
        createMessage({
          message_id: `${name}-${i}`,
          to_addr: '27831234567',
          from_addr: '1234',
          transport_name: name,
          transport_type: 'sms',
          content: `e2e benchmark message ${i}`,
        }),
      ),
    );
  const bodySize = body(0).length;

  // ---- 1. the raw bus ------------------------------------------------------------------------
  process.stdout.write(`raw bus: ${fmt(N)} messages of ${bodySize} bytes… `);
  const raw = await rawBus(RABBITMQ_URL, `${name}.raw`, N, body, PUBLISH_WINDOW, CONCURRENCY);
  console.log(`${fmt(raw.rate)}/s`);
  const latencyN = Math.ceil(RATE * LATENCY_SECONDS);
  process.stdout.write(`raw bus latency: ${fmt(latencyN)} messages at ${fmt(RATE)}/s… `);
  const messageIndex = (bytes: Buffer) => Number((JSON.parse(bytes.toString('utf8')) as { message_id: string }).message_id.slice(name.length + 1));
  const paced = { n: latencyN, rate: RATE, body, index: messageIndex, prefetch: CONCURRENCY };
  const rawLatencies = await rawLatency(RABBITMQ_URL, `${name}.raw-latency`, paced);
  console.log('done');
  process.stdout.write(`relay latency: ${fmt(latencyN)} messages at ${fmt(RATE)}/s… `);
  const relayLatencies = await relayLatency(RABBITMQ_URL, `${name}.relay-latency`, paced);
  console.log('done');
  // An ack event as the transport writes one, for the relay to publish.
  const ackEvent = Buffer.from(
    serialiseEvent(
      createEvent({
        user_message_id: `${name}-0`,
        event_type: 'ack',
        sent_message_id: `${name}-0`,
        transport_metadata: { smpp_message_id: '0123456789abcdef', smpp_message_ids: ['0123456789abcdef'] },
      }),
    ),
  );
  // Where the machine's CPU goes: RabbitMQ and Redis when they run here (undefined when not).
  const rabbitCpu = new CpuMeter(() => pidsNamed('beam.smp'));
  const redisCpu = new CpuMeter(() => pidsNamed('redis-server'));
  process.stdout.write(`relay through the broker (two crossings, nothing else): ${fmt(N)} messages… `);
  rabbitCpu.start();
  const relayBenchCpu0 = process.cpuUsage();
  const relay = await rawRelay(RABBITMQ_URL, `${name}.relay`, N, body, ackEvent, PUBLISH_WINDOW, CONCURRENCY);
  const relayBenchCpu = cpuOf(process.cpuUsage(relayBenchCpu0));
  const relayRabbitCpu = rabbitCpu.stop();
  console.log(`${fmt(relay.rate)}/s`);

  // ---- the simulator, the app, the transport -----------------------------------------------------
  // The SMSC in a process of its own, as a real one is: in this process it would wait behind
  // the application's AMQP work on one event loop, and add that wait to every submit.
  const sim = await SimulatorChild.start();
  const { port } = sim;
  const connection = benchConnection(RABBITMQ_URL, 'bench-e2e-app');
  connection.on('error', () => undefined);
  const outbound = `${name}.outbound`;
  await declareQueue(connection, outbound);
  await declareQueue(connection, `${name}.inbound`);

  // Per message: when its publish began (ms, performance.now()) and when its final event was read.
  const total = WARMUP + N + Math.ceil(RATE * LATENCY_SECONDS);
  const sentAt = new Float64Array(total);
  const ackedAt = new Float64Array(total);
  let finals = 0;
  let nacks = 0;
  let waiter: { count: number; resolve: () => void } | undefined;
  const events = new EventReader(connection, name, (messageId, eventType) => {
    const i = Number(messageId.slice(name.length + 1));
    if (!Number.isInteger(i) || i < 0 || i >= total || ackedAt[i] !== 0) return;
    ackedAt[i] = performance.now();
    if (eventType === 'nack') nacks++;
    finals++;
    if (waiter && finals >= waiter.count) waiter.resolve();
  });
  await events.start();
  const finalsReach = (count: number, what: string, timeoutMs: number) =>
    new Promise<void>((resolve, reject) => {
      if (finals >= count) return resolve();
      const timer = setTimeout(() => reject(new Error(`${what}: ${finals} of ${count} final events within ${timeoutMs} ms`)), timeoutMs);
      waiter = {
        count,
        resolve: () => {
          clearTimeout(timer);
          waiter = undefined;
          resolve();
        },
      };
    });

  const transport = new TransportProcess({
    config: {
      transport_name: name,
      host: '127.0.0.1',
      port,
      bus: 'amqp',
      amqp_url: RABBITMQ_URL,
      worker_concurrency: CONCURRENCY,
      window_size: CONCURRENCY,
      log_level: 'warn',
      smpp_enquire_link_interval: 600,
      ...(REDIS && { sequencer_class: 'redis', smpp_cache_class: 'redis', redis: { url: REDIS_URL, key_prefix: `bench:${name}:` } }),
    },
    entry: DIST ? 'dist' : 'tsx',
    nodeArgs: NODE_ARGS,
    ...(process.env.E2E_TRANSPORT_LOG !== undefined && { logFile: process.env.E2E_TRANSPORT_LOG }),
  });
  const publisher = new BusPublisher(connection, PUBLISH_WINDOW);
  const rss = new RssSampler(() => transport.pid, 100);
  let ok = false;
  try {
    await transport.start();
    rss.start();
    const boundBy = Date.now() + 30_000;
    while (sim.binds === 0) {
      if (Date.now() > boundBy) throw new Error(`the transport did not bind within 30 s:\n${transport.tail()}`);
      await sleep(20);
    }
    const rssAtBind = rss.latest();

    // ---- warmup ------------------------------------------------------------------------------
    process.stdout.write(`warmup: ${fmt(WARMUP)} messages… `);
    await publisher.all(outbound, WARMUP, body);
    await finalsReach(WARMUP, 'warmup', 60_000);
    console.log('done');

    // ---- 2. throughput ---------------------------------------------------------------------------
    const base = WARMUP;
    // Final events the runs so far have brought (the runs may come in either order).
    let expectedFinals = WARMUP;
    const throughputRun = async () => {
      process.stdout.write(`throughput: ${fmt(N)} messages… `);
      const before = finals;
      rss.phase('throughput', () => finals - before, N);
      const cpu0 = cpuSeconds(transport.pid!);
      const writes0 = writeSyscalls(transport.pid!);
      const simCpu = new CpuMeter(() => (sim.pid === undefined ? [] : [sim.pid]));
      for (const meter of [rabbitCpu, redisCpu, simCpu]) meter.start();
      const benchCpu0 = process.cpuUsage();
      const t0 = performance.now();
      await publisher.all(outbound, N, (i) => body(base + i), (i) => (sentAt[base + i] = performance.now()));
      expectedFinals += N;
      await finalsReach(expectedFinals, 'throughput', Math.max(120_000, N * 5));
      const seconds = (performance.now() - t0) / 1000;
      const cpu = cpuSeconds(transport.pid!) - cpu0;
      const writes = writeSyscalls(transport.pid!) - writes0;
      const others = { rabbit: rabbitCpu.stop(), redis: redisCpu.stop(), sim: simCpu.stop(), bench: cpuOf(process.cpuUsage(benchCpu0)) };
      rss.phase(undefined);
      console.log(`${fmt(N / seconds)}/s`);
      return { seconds, cpu, writes, others };
    };

    // ---- 3. latency at a fixed rate ------------------------------------------------------------
    const latencyBase = base + N;
    const latencyRun = async () => {
      process.stdout.write(`latency: ${fmt(latencyN)} messages at ${fmt(RATE)}/s… `);
      await publisher.paced(outbound, latencyN, RATE, (i) => body(latencyBase + i), (i) => (sentAt[latencyBase + i] = performance.now()));
      expectedFinals += latencyN;
      await finalsReach(expectedFinals, 'latency', 60_000);
      console.log('done');
      return Array.from({ length: latencyN }, (_, i) => ackedAt[latencyBase + i]! - sentAt[latencyBase + i]!).sort((a, b) => a - b);
    };

    // Throughput first by default; E2E_LATENCY_FIRST=1 measures the latency before the
    // throughput run, on a transport and broker that have not just moved N messages.
    const steal0 = stealSeconds();
    const runs0 = performance.now();
    const [latencies, measured] = LATENCY_FIRST
      ? await latencyRun().then(async (l) => [l, await throughputRun()] as const)
      : await throughputRun().then(async (t) => [await latencyRun(), t] as const);
    const stolen = stealSeconds() - steal0;
    const runsSeconds = (performance.now() - runs0) / 1000;
    const { seconds: throughputSeconds, cpu: transportCpu, writes: transportWrites, others } = measured;
    const throughput = N / throughputSeconds;
    const peak = rss.peak();
    const quarters = rss.quarters('throughput');
    rss.stop();
    await transport.stop();

    // ---- 1 again: the raw bus after the transport, as the broker is by now ----------------------
    process.stdout.write(`raw bus again: ${fmt(N)} messages… `);
    const rawAfter = await rawBus(RABBITMQ_URL, `${name}.raw`, N, body, PUBLISH_WINDOW, CONCURRENCY);
    console.log(`${fmt(rawAfter.rate)}/s\n`);
    const rawRate = (raw.rate + rawAfter.rate) / 2;

    // ---- report ----------------------------------------------------------------------------------
    const ratio = throughput / rawRate;
    table(
      ['measure', 'value', 'goal'],
      [
        ['raw RabbitMQ publish → consume, before / after the transport (messages/s)', `${fmt(raw.rate)} / ${fmt(rawAfter.rate)}`, 'the ceiling: their mean'],
        ['transport: outbound → ack event (messages/s)', fmt(throughput), ''],
        ['transport / raw bus (mean)', `${ratio.toFixed(2)}×`, `≥ 0.50× ${ratio >= 0.5 ? '✓' : '✗'}`],
        ['relay through the broker, no SMPP or Redis (messages/s)', fmt(relay.rate), `what any transport could reach here: ${(relay.rate / rawRate).toFixed(2)}× the raw bus`],
        ['transport / relay', `${(throughput / relay.rate).toFixed(2)}×`, ''],
        [`raw bus latency publish → consumed at ${fmt(RATE)}/s, p50 / p99 (ms)`, `${percentile(rawLatencies, 0.5).toFixed(1)} / ${percentile(rawLatencies, 0.99).toFixed(1)}`, 'one crossing'],
        [
          `relay latency publish → read at ${fmt(RATE)}/s, p50 / p99 / max (ms)`,
          `${percentile(relayLatencies, 0.5).toFixed(1)} / ${percentile(relayLatencies, 0.99).toFixed(1)} / ${relayLatencies[relayLatencies.length - 1]!.toFixed(1)}`,
          `two crossings: the floor of the path (its p99 ${percentile(relayLatencies, 0.99) < 20 ? 'under' : 'over'} the 20 ms goal)`,
        ],
        [`latency publish → ack at ${fmt(RATE)}/s, p50 (ms)`, latencies.length ? percentile(latencies, 0.5).toFixed(1) : '—', ''],
        [`latency p99 (ms)`, latencies.length ? percentile(latencies, 0.99).toFixed(1) : '—', `< 20 ${percentile(latencies, 0.99) < 20 ? '✓' : '✗'}`],
        [`latency max (ms)`, latencies.length ? latencies[latencies.length - 1]!.toFixed(1) : '—', ''],
        ['transport CPU during the throughput run', `${Math.round((transportCpu / throughputSeconds) * 100)} %`, '100 % = one core'],
        ['transport CPU per message', `${((transportCpu / N) * 1e6).toFixed(0)} µs`, ''],
        ['transport write syscalls per message (AMQP, SMPP and Redis sockets together)', (transportWrites / N).toFixed(2), ''],
        [
          'CPU during the relay: RabbitMQ / the bench process (app and relay)',
          `${share(relayRabbitCpu, relay.seconds)} / ${share(relayBenchCpu, relay.seconds)}`,
          `${os.cpus().length * 100} % = every core`,
        ],
        [
          'CPU during the throughput run: transport / RabbitMQ / simulator / Redis / the bench app',
          [transportCpu, others.rabbit, others.sim, others.redis, others.bench].map((c) => share(c, throughputSeconds)).join(' / '),
          `total ${share([transportCpu, others.rabbit, others.sim, others.redis, others.bench].reduce<number>((sum, c) => sum + (c ?? 0), 0), throughputSeconds)}`,
        ],
        ['CPU taken by the hypervisor during the throughput and latency runs (steal)', `${((stolen / runsSeconds) * 100).toFixed(1)} %`, `${os.cpus().length * 100} % = every core; 0 on bare metal`],
        ['transport RSS once bound (MiB)', rssAtBind === undefined ? '—' : mib(rssAtBind), ''],
        ['transport peak RSS over the run (MiB)', mib(peak), `< 200 ${peak < 200 * 2 ** 20 ? '✓' : '✗'}`],
        [
          `RSS mean, 2nd / last quarter of the ${fmt(N)} (MiB)`,
          quarters ? `${mib(quarters.second)} / ${mib(quarters.last)}` : '—',
          '',
        ],
        [
          'RSS last / 2nd quarter',
          quarters ? `${(quarters.last / quarters.second).toFixed(3)}` : '—',
          `≤ 1.10${N < 100_000 ? ' (defined for N = 100,000)' : ''} ${quarters && quarters.last / quarters.second <= 1.1 ? '✓' : '✗'}`,
        ],
        ['nacks (should be 0)', String(nacks), ''],
      ],
      [false, true, false],
    );
    console.log(
      `\nRaw bus ${fmt(raw.messages)} messages in ${raw.seconds.toFixed(1)} s and ${rawAfter.seconds.toFixed(1)} s; throughput run ${throughputSeconds.toFixed(1)} s; ` +
        `RSS samples ${rss.count} (every 100 ms); messages ${bodySize} bytes.`,
    );
    ok = true;
    return 0;
  } finally {
    rss.stop();
    await transport.stop().catch(() => undefined);
    if (!ok) console.error(`\ntransport log (${transport.logFile}):\n${transport.tail()}`);
    await transport.dispose(!ok);
    await events.close();
    await publisher.close();
    for (const kind of ['outbound', 'inbound', 'event']) await connection.queueDelete({ queue: `${name}.${kind}` }).catch(() => undefined);
    await connection.close();
    await sim.stop();
    if (REDIS) await deleteRedisKeys(REDIS_URL, `bench:${name}:`);
  }
}

process.exitCode = await main();
