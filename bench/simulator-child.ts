/**
 * Our simulator in a child process (this module, started again through tsx), so that the SMSC
 * does not share an event loop with what a benchmark measures: the `session` suite's clients,
 * or `bench:e2e`'s vumi application. It runs with no message store (its eviction is the
 * simulator's costliest step once full, and would set the pace), no enquire_link and no
 * receipts; it reports its port, each bind, and its CPU time on request, over IPC.
 */
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createSimulator } from '../src/simulator/simulator.js';
import { forkModule, isEntry } from './simulator.js';

type ToChild = { type: 'cpu' };
type FromChild = { type: 'ready'; port: number } | { type: 'cpu'; usage: NodeJS.CpuUsage } | { type: 'bound' };

/** A child that lives longer than this has lost its parent somehow: it ends itself. */
const CHILD_MAX_LIFETIME_MS = 15 * 60_000;

async function simulatorMain(): Promise<void> {
  const sim = createSimulator({ port: 0, http_port: null, log_level: 'silent', enquire_link_interval_ms: 0, message_store_size: 0 });
  const { port } = await sim.start();
  const send = (message: FromChild) => process.send?.(message);
  sim.on('bound', () => send({ type: 'bound' }));
  process.on('message', (message: ToChild) => {
    if (message.type === 'cpu') send({ type: 'cpu', usage: process.cpuUsage() });
  });
  const end = () => void sim.stop().finally(() => process.exit(0));
  process.once('disconnect', end);
  setTimeout(end, CHILD_MAX_LIFETIME_MS).unref();
  send({ type: 'ready', port });
}

export class SimulatorChild {
  /** Binds made so far. */
  binds = 0;

  private constructor(
    private readonly child: ChildProcess,
    readonly port: number,
  ) {
    child.on('message', (message: FromChild) => {
      if (message.type === 'bound') this.binds++;
    });
  }

  static async start(): Promise<SimulatorChild> {
    const child = forkModule(import.meta.url, []);
    const port = await new Promise<number>((ok, fail) => {
      const timer = setTimeout(() => fail(new Error('the simulator child did not start within 30 s')), 30_000);
      child.once('message', (message: FromChild) => {
        clearTimeout(timer);
        if (message.type === 'ready') ok(message.port);
        else fail(new Error(`unexpected message from the simulator child: ${message.type}`));
      });
      child.once('exit', (code) => fail(new Error(`the simulator child exited with code ${code}`)));
    });
    return new SimulatorChild(child, port);
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** The child's process.cpuUsage(), asked over IPC. */
  cpu(): Promise<NodeJS.CpuUsage> {
    return new Promise((ok) => {
      const listener = (message: FromChild) => {
        if (message.type !== 'cpu') return;
        this.child.off('message', listener);
        ok(message.usage);
      };
      this.child.on('message', listener);
      this.child.send({ type: 'cpu' } satisfies ToChild);
    });
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = once(this.child, 'exit');
    this.child.disconnect();
    const timer = setTimeout(() => this.child.kill(), 5_000);
    await exited;
    clearTimeout(timer);
  }
}

if (isEntry(import.meta.url)) await simulatorMain();
