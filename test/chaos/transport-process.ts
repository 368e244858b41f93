/**
 * The transport as deployed: `node --import tsx src/cli.ts run --config <file>` in a child
 * process, so that a test can SIGKILL it and start it again, and a benchmark can read its own
 * RSS. Used by the chaos test and by `npm run bench:e2e`.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createWriteStream, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { WriteStream } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CLI = join(ROOT, 'src', 'cli.ts');
const BUILT_CLI = join(ROOT, 'dist', 'src', 'cli.js');

export interface TransportProcessOptions {
  /** The config file's contents (vumi2 field names), written as YAML. */
  config: Record<string, unknown>;
  /** `tsx` (default): `node --import tsx src/cli.ts`; `dist`: `node dist/src/cli.js` (after `npm run build`). */
  entry?: 'tsx' | 'dist';
  /** Options for node itself, before the entry (`--cpu-prof`, `--max-semi-space-size=…`). */
  nodeArgs?: readonly string[];
  /** Where the child's stdout and stderr go (appended across restarts); a temp file when left out. */
  logFile?: string;
}

/** One config file and a child process running the transport with it, restartable. */
export class TransportProcess {
  readonly dir: string;
  readonly configFile: string;
  readonly logFile: string;
  private child: ChildProcess | undefined;
  private log: WriteStream | undefined;
  /** Every child started, in order, with how it ended. */
  readonly runs: { pid: number; exit?: { code: number | null; signal: NodeJS.Signals | null } }[] = [];

  constructor(readonly options: TransportProcessOptions) {
    this.dir = mkdtempSync(join(tmpdir(), 'smpp-transport-'));
    this.configFile = join(this.dir, 'config.yaml');
    writeFileSync(this.configFile, stringify(options.config));
    this.logFile = options.logFile ?? join(this.dir, 'transport.log');
  }

  get pid(): number | undefined {
    return this.child?.exitCode === null && this.child.signalCode === null ? this.child.pid : undefined;
  }

  /** Starts a child (after any previous one has ended). Resolves once it is spawned, not bound. */
  async start(): Promise<number> {
    if (this.pid !== undefined) throw new Error('the transport process is already running');
    this.log ??= createWriteStream(this.logFile, { flags: 'a' });
    const entry = this.options.entry === 'dist' ? [BUILT_CLI] : ['--import', 'tsx', CLI];
    const child = spawn(process.execPath, [...(this.options.nodeArgs ?? []), ...entry, 'run', '--config', this.configFile], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, NODE_ENV: 'production' },
    });
    child.stdout?.pipe(this.log, { end: false });
    child.stderr?.pipe(this.log, { end: false });
    await once(child, 'spawn');
    const run: (typeof this.runs)[number] = { pid: child.pid! };
    this.runs.push(run);
    child.once('exit', (code, signal) => {
      run.exit = { code, signal };
    });
    this.child = child;
    return child.pid!;
  }

  /** SIGKILL: no unbind, no settling of deliveries in hand, as a crash or an OOM kill. */
  async kill(): Promise<void> {
    await this.signal('SIGKILL');
  }

  /** SIGTERM: the graceful stop; SIGKILL after `graceMs`. */
  async stop(graceMs = 15_000): Promise<void> {
    const child = this.child;
    if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
  }

  private async signal(signal: NodeJS.Signals): Promise<void> {
    const child = this.child;
    if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
    const exited = once(child, 'exit');
    child.kill(signal);
    await exited;
  }

  /** The child's resident set size in bytes (VmRSS), or undefined when it is not running. */
  rss(): number | undefined {
    const pid = this.pid;
    return pid === undefined ? undefined : rssOf(pid);
  }

  /** The log's last `lines` lines, for a failure message. */
  tail(lines = 40): string {
    try {
      return readFileSync(this.logFile, 'utf8').split('\n').slice(-lines).join('\n');
    } catch {
      return '';
    }
  }

  /** Stops the child (SIGKILL if it will not stop) and removes the config file. */
  async dispose(keepLog = false): Promise<void> {
    await this.stop(5_000).catch(() => undefined);
    await this.kill().catch(() => undefined);
    this.log?.end();
    if (!keepLog) rmSync(this.dir, { recursive: true, force: true });
  }
}

/** VmRSS of a process from /proc, in bytes; undefined when it is gone. */
export function rssOf(pid: number): number | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
    return match ? Number(match[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}
