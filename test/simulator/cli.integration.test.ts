/**
 * `smpp-transport simulator` as a user runs it: a child process (through tsx, from source)
 * that logs pino JSON on stdout, binds ESMEs, stops cleanly on SIGTERM, and refuses a bad
 * configuration with exit code 2 and one line naming the field.
 */
import { spawn } from 'node:child_process';
import type { ChildProcessByStdio } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CommandStatus } from '../../src/pdu/command-status.js';
import { NodeSmppClient } from '../helpers/node-smpp-client.js';
import { http } from '../helpers/simulator.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const WAIT_MS = 15_000;

beforeEach(() => {
  expect.hasAssertions();
});

interface Cli {
  child: ChildProcessByStdio<null, Readable, Readable>;
  /** Every stdout line parsed as JSON, as it arrives. */
  logs: Record<string, unknown>[];
  stderr: () => string;
  exited: Promise<number | null>;
  /** The first log line passing `test`. */
  log(test: (line: Record<string, unknown>) => boolean): Promise<Record<string, unknown>>;
}

const running = new Set<Cli>();
const clients: NodeSmppClient[] = [];
let dir = '';

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'smpp-sim-cli-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  for (const cli of running) {
    if (cli.child.exitCode === null && cli.child.signalCode === null) cli.child.kill('SIGKILL');
    await cli.exited;
  }
  running.clear();
});

function runCli(args: readonly string[]): Cli {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: Record<string, unknown>[] = [];
  const waiters: { test: (l: Record<string, unknown>) => boolean; resolve: (l: Record<string, unknown>) => void }[] = [];
  let pending = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    pending += chunk;
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    for (const text of lines) {
      if (text.trim() === '') continue;
      const line = JSON.parse(text) as Record<string, unknown>;
      logs.push(line);
      for (const w of [...waiters]) {
        if (w.test(line)) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(line);
        }
      }
    }
  });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const cli: Cli = {
    child,
    logs,
    stderr: () => stderr,
    exited,
    log(test) {
      const early = logs.find(test);
      if (early) return Promise.resolve(early);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no such log line within ${WAIT_MS} ms; stderr: ${stderr}`)), WAIT_MS);
        void exited.then((code) => reject(new Error(`exited with ${code} before the log line; stderr: ${stderr}`)));
        waiters.push({
          test,
          resolve: (l) => {
            clearTimeout(timer);
            resolve(l);
          },
        });
      });
    },
  };
  running.add(cli);
  return cli;
}

const listening = (cli: Cli) => cli.log((l) => l.msg === 'SMSC simulator listening');

async function bound(port: number, credentials: { system_id?: string; password?: string } = {}): Promise<NodeSmppClient> {
  const client = await NodeSmppClient.bound(port, 'transceiver', credentials);
  clients.push(client);
  return client;
}

describe('smpp-transport simulator', () => {
  it('logs where it listens, binds an ESME, serves HTTP, and on SIGTERM unbinds and exits 0', async () => {
    const cli = runCli(['simulator', '--port', '0', '--http-port', '0', '--log-level', 'info']);
    const line = await listening(cli);
    expect(line).toMatchObject({ level: 30, name: 'smsc-simulator', host: '127.0.0.1' });
    const port = line.port as number;
    const httpPort = line.http_port as number;
    expect(port).toBeGreaterThan(0);
    expect(httpPort).toBeGreaterThan(0);

    const client = await bound(port);
    const resp = await client.call('submit_sm', { destination_addr: '27831234567', short_message: 'hi' });
    expect(resp.command_status).toBe(CommandStatus.ESME_ROK);
    const stats = await http(httpPort, 'GET', '/stats');
    expect(stats.body).toMatchObject({ sessions: { transceiver: 1 }, received: { submit_sm: 1 } });

    const unbind = client.next('unbind', () => true, WAIT_MS);
    cli.child.kill('SIGTERM');
    expect((await unbind).command).toBe('unbind');
    expect(await cli.exited).toBe(0);
    await client.closed;
    expect(cli.stderr()).toContain('SIGTERM: stopping');
    expect(cli.logs.some((l) => l.msg === 'SMSC simulator stopped')).toBe(true);
    // The password is never logged.
    expect(JSON.stringify(cli.logs)).not.toContain('"password"');
  });

  it('takes accounts and options from a YAML --config file, with flags over the file', async () => {
    const file = join(dir, 'simulator.yaml');
    await writeFile(
      file,
      [
        '# a custom account and hex ids',
        'port: 2775 # overridden by --port',
        'http_port: 8080 # turned off by --no-http',
        'accounts:',
        '  - system_id: yamluser',
        '    password: yamlpw',
        'message_id:',
        '  format: hex',
        '  start: 255',
        '',
      ].join('\n'),
    );
    const cli = runCli(['simulator', '--config', file, '--port', '0', '--no-http', '--log-level', 'info']);
    const line = await listening(cli);
    expect(line.http_port).toBeUndefined();

    const client = await bound(line.port as number, { system_id: 'yamluser', password: 'yamlpw' });
    const resp = await client.call('submit_sm', { destination_addr: '27831234567', short_message: 'hi' });
    expect(resp.message_id).toBe('FF');
    const other = await NodeSmppClient.connect(line.port as number);
    clients.push(other);
    const refused = await other.call('bind_transceiver', { system_id: 'smppclient1', password: 'password' });
    expect(refused.command_status).toBe(CommandStatus.ESME_RINVSYSID);

    cli.child.kill('SIGTERM');
    expect(await cli.exited).toBe(0);
  });

  it('refuses a config file with an invalid value: exit code 2, one line naming the field', async () => {
    const file = join(dir, 'bad.yaml');
    await writeFile(file, 'port: 0\nreceipts:\n  delay_ms: -5\n');
    const cli = runCli(['simulator', '--config', file, '--log-level', 'silent']);
    expect(await cli.exited).toBe(2);
    const lines = cli.stderr().trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^smpp-transport: invalid simulator configuration: receipts\.delay_ms: /);
    expect(cli.logs).toEqual([]);
  });

  it('refuses a config file that does not exist: exit code 2 naming the file', async () => {
    const file = join(dir, 'missing.yaml');
    const cli = runCli(['simulator', '--config', file]);
    expect(await cli.exited).toBe(2);
    expect(cli.stderr().trimEnd()).toBe(`smpp-transport: config file ${file}: not found`);
  });
});
