/**
 * The first-run demo: `runDemo()` in-process (the counts, and what a person reads), `npm start`
 * as a user runs it (exit 0, quickly), and `--pretty` logs.
 */
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { beforeEach, describe, expect, it } from 'vitest';
import { runDemo } from '../../src/demo/demo.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

beforeEach(() => {
  expect.hasAssertions();
});

interface Exit {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/** Runs a command in its own process group; kills the whole group after `timeoutMs`. */
function runCommand(command: string, args: readonly string[], timeoutMs: number, until?: (stdout: string) => boolean): Promise<Exit> {
  const started = Date.now();
  const child = spawn(command, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let stdout = '';
  let stderr = '';
  const kill = (signal: NodeJS.Signals) => {
    try {
      if (child.pid !== undefined) process.kill(-child.pid, signal);
    } catch {
      // already gone
    }
  };
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
    if (until?.(stdout)) kill('SIGTERM');
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const timer = setTimeout(() => kill('SIGKILL'), timeoutMs);
  return new Promise((resolve) =>
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, ms: Date.now() - started });
    }),
  );
}

describe('runDemo', () => {
  it('sends, acks, nacks, receipts and answers an MO, and says so readably', async () => {
    const lines: string[] = [];
    const summary = await runDemo({ out: (l) => lines.push(l) });
    expect({ ...summary, stop: undefined, smpp_port: undefined }).toEqual({
      sent: 5, // GSM, Unicode on the GSM transport (nacked), Unicode on the UCS2 one, long, the reply
      acked: 4,
      nacked: 1,
      receipts: { delivered: 3, failed: 3, pending: 0 }, // GSM, Unicode, the reply; the long message's three parts fail
      long_parts: 3,
      mo_received: 1,
      replies: 1,
      states: ['connecting', 'binding', 'bound', 'unbinding', 'stopped'],
      http_port: undefined,
      stop: undefined,
      smpp_port: undefined,
    });
    const text = lines.join('\n');
    expect(text).toContain('[gsm]  bound (bind accepted)');
    expect(text).toMatch(/ack +gsm-1/);
    expect(text).toMatch(/ack +unicode/);
    expect(text).toMatch(/nack +unicode-on-gsm: cannot encode/);
    expect(text).toMatch(/receipt +gsm-1: delivered/);
    expect(text).toMatch(/receipt +long: failed/);
    expect(text).toContain('UCS2, data_coding 8');
    expect(text).toContain('part 3/3');
    expect(text).toMatch(/inbound +from 27831234567/);
    expect(text).toContain('summary');
    expect(text).not.toMatch(/^\{/m); // no JSON in what a person reads
  });

  it('with stay, leaves the simulator up with its HTTP API until stopped', async () => {
    const lines: string[] = [];
    const summary = await runDemo({ stay: true, out: (l) => lines.push(l) });
    try {
      expect(summary.http_port).toBeTypeOf('number');
      const stats = (await (await fetch(`http://127.0.0.1:${summary.http_port}/stats`)).json()) as { sessions: { transceiver: number } };
      expect(stats.sessions.transceiver).toBe(2);
      expect(lines.join('\n')).toContain(`curl localhost:${summary.http_port}/stats`);
    } finally {
      await summary.stop();
    }
  });
});

describe('npm start', () => {
  it('runs the demo and exits 0 within seconds', async () => {
    const pkg = JSON.parse(await readFile(`${ROOT}package.json`, 'utf8')) as { scripts: Record<string, string> };
    expect(pkg.scripts.start).toBe('tsx src/cli.ts demo');
    const result = await runCommand('npm', ['start'], 20_000);
    expect(result.code, result.stderr).toBe(0);
    expect(result.ms).toBeLessThan(20_000);
    expect(result.stdout).toContain('bound (bind accepted)');
    expect(result.stdout).toMatch(/replies that reached the SMSC +1/);
    expect(result.stdout).toContain('done');
  });
});

describe('--pretty', () => {
  it('turns the simulator\'s JSON log lines into readable ones', async () => {
    const listening = (out: string) => out.includes('SMSC simulator listening');
    const json = await runCommand(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'simulator', '--port', '0', '--no-http'], 15_000, listening);
    const pretty = await runCommand(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'simulator', '--port', '0', '--no-http', '--pretty'], 15_000, listening);
    const jsonLine = json.stdout.split('\n').find(listening);
    const prettyLine = pretty.stdout.split('\n').find(listening);
    expect(JSON.parse(jsonLine ?? 'null')).toMatchObject({ msg: 'SMSC simulator listening', level: 30 });
    expect(prettyLine).toMatch(/INFO.*SMSC simulator listening/);
    expect(() => JSON.parse(prettyLine ?? '') as unknown).toThrow();
  });
});
