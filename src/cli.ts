#!/usr/bin/env node
/**
 * The `smpp-transport` command. The only module that reads argv and the environment; everything
 * it starts takes plain options.
 */
import { Command, InvalidArgumentError } from 'commander';
import { readConfigFile } from './config/read-config-file.js';
import { pino } from 'pino';
import type { Logger } from 'pino';
import { runDemo } from './demo/demo.js';
import { BIND_TYPES, redactedConfig, resolveSessionConfig } from './session/config.js';
import type { SessionConfigInput } from './session/config.js';
import type { InspectOption } from './session/inspect.js';
import { SmppClient } from './session/smpp-client.js';
import { createSimulator } from './simulator/simulator.js';
import { loadTransportConfig } from './transport/config-sources.js';
import { SmppTransport } from './transport/transport.js';
import type { SimulatorOptions } from './simulator/options.js';
import { parseSimulatorOptions } from './simulator/options.js';

function port(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError('must be a port number from 0 to 65535');
  return n;
}

/**
 * Runs until SIGINT or SIGTERM, then stops cleanly and exits 0 (1 when stopping failed). A second
 * signal while stopping exits at once with 1: nothing is lost (unacked deliveries go back to the
 * queue), at the risk of duplicates.
 */
function stopOnSignal(stop: () => Promise<void>): void {
  let stopping = false;
  const handler = (signal: NodeJS.Signals) => {
    if (stopping) {
      process.stderr.write(`${signal} again: exiting without waiting\n`);
      process.exit(1);
    }
    stopping = true;
    process.stderr.write(`${signal}: stopping\n`);
    stop().then(
      () => process.exit(0),
      (err: unknown) => {
        process.stderr.write(`error while stopping: ${String(err)}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
}

/** Keys whose values never reach a log line (a safety net: configs are logged already redacted, URLs with their password masked). */
const REDACT_PATHS = ['password', 'secret'].flatMap((key) => [key, `*.${key}`, `*.*.${key}`, `*.*.*.${key}`]);

/**
 * The command's logger: pino JSON lines on stdout (or `fd`) by default; human-readable with
 * `pretty` (pino-pretty, loaded only then). Secrets are redacted either way.
 */
async function makeLogger(name: string, level: string, pretty: boolean, fd: 1 | 2 = 1): Promise<Logger> {
  const options = { name, level, redact: { paths: REDACT_PATHS, censor: '[redacted]' } };
  if (!pretty) return fd === 1 ? pino(options) : pino(options, pino.destination({ fd, sync: true }));
  const { default: pinoPretty } = await import('pino-pretty');
  const stream = fd === 2 ? process.stderr : process.stdout;
  return pino(options, pinoPretty({ destination: fd, sync: true, colorize: stream.isTTY, translateTime: 'SYS:HH:MM:ss.l' }));
}

function fail(err: unknown): never {
  process.stderr.write(`smpp-transport: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(2);
}

const program = new Command()
  .name('smpp-transport')
  .description('An SMPP 3.4 client bridging SMSC binds to RabbitMQ in the vumi message format')
  .showHelpAfterError();

program
  .command('simulator')
  .description('run an SMSC simulator for development, tests, demos and benchmarks')
  .option('--host <host>', 'address to listen on for ESMEs and HTTP (default 127.0.0.1)')
  .option('--port <port>', 'SMPP port; 0 picks a free one (default 2775)', port)
  .option('--http-port <port>', 'HTTP control port (default 8080)', port)
  .option('--no-http', 'no HTTP control port')
  .option('--config <file>', 'YAML or JSON file with simulator options')
  .option('--log-level <level>', 'fatal, error, warn, info, debug, trace or silent')
  .option('--pretty', 'human-readable logs instead of JSON lines')
  .action(async (flags: { host?: string; port?: number; httpPort?: number; http: boolean; config?: string; logLevel?: string; pretty?: boolean }) => {
    try {
      const fromFile = flags.config ? ((await readConfigFile(flags.config)) ?? {}) : {};
      if (typeof fromFile !== 'object' || Array.isArray(fromFile)) fail(`config file ${flags.config}: expected a mapping`);
      const options = {
        ...(fromFile as SimulatorOptions),
        ...(flags.host !== undefined && { host: flags.host }),
        ...(flags.port !== undefined && { port: flags.port }),
        ...(flags.httpPort !== undefined && { http_port: flags.httpPort }),
        ...(!flags.http && { http_port: null }),
        ...(flags.logLevel !== undefined && { log_level: flags.logLevel }),
      } as SimulatorOptions;
      const logger = await makeLogger('smsc-simulator', parseSimulatorOptions(options).log_level, flags.pretty === true);
      const simulator = createSimulator(options, logger);
      await simulator.start();
      stopOnSignal(() => simulator.stop());
    } catch (err) {
      fail(err);
    }
  });

function inspectOption(value: string): InspectOption {
  if (value === 'sky' || value === 'log') return value;
  if (/^wss?:\/\//.test(value)) return { url: value };
  throw new InvalidArgumentError('sky, log, or a ws:// URL of an inspector server');
}

program
  .command('bind')
  .description('connect to an SMSC, bind and stay bound, logging every state change (a connectivity check)')
  .option('--config <file>', 'YAML or JSON file with session options (host, port, system_id …)')
  .option('--host <host>', 'SMSC host')
  .option('--port <port>', 'SMSC port', port)
  .option('--system-id <id>', 'system_id to bind with')
  .option('--password <password>', 'password (prefer the SMPP_TRANSPORT_PASSWORD environment variable, as run reads it: argv is visible to other users)')
  .option('--bind-type <type>', `one of ${BIND_TYPES.join(', ')}`)
  .option('--tls', 'connect with TLS')
  .option('--inspect <target>', 'watch the statechart: sky (Stately, needs internet), log (offline), or ws://host:port', inspectOption)
  .option('--log-level <level>', 'fatal, error, warn, info, debug, trace or silent', 'info')
  .option('--pretty', 'human-readable logs instead of JSON lines')
  .action(
    async (flags: {
      config?: string;
      host?: string;
      port?: number;
      systemId?: string;
      password?: string;
      bindType?: string;
      tls?: boolean;
      inspect?: InspectOption;
      logLevel: string;
      pretty?: boolean;
    }) => {
      try {
        const fromFile = flags.config ? ((await readConfigFile(flags.config)) ?? {}) : {};
        if (typeof fromFile !== 'object' || Array.isArray(fromFile)) fail(`config file ${flags.config}: expected a mapping`);
        const password = flags.password ?? process.env.SMPP_TRANSPORT_PASSWORD ?? process.env.SMPP_PASSWORD;
        const input = {
          ...(fromFile as SessionConfigInput),
          ...(flags.host !== undefined && { host: flags.host }),
          ...(flags.port !== undefined && { port: flags.port }),
          ...(flags.systemId !== undefined && { system_id: flags.systemId }),
          ...(password !== undefined && { password }),
          ...(flags.bindType !== undefined && { bind_type: flags.bindType }),
          ...(flags.tls === true && { tls: true }),
        } as SessionConfigInput;
        const config = resolveSessionConfig(input);
        const logger = await makeLogger('smpp', flags.logLevel, flags.pretty === true);
        logger.info({ config: redactedConfig(config) }, 'starting');
        const client = new SmppClient({ ...input, logger, ...(flags.inspect !== undefined && { inspect: flags.inspect }) });
        client.start();
        stopOnSignal(() => client.stop());
      } catch (err) {
        fail(err);
      }
    },
  );

program
  .command('demo')
  .description('the simulator and the transport on an in-memory bus (no RabbitMQ, no Redis): messages, acks, receipts, an MO and its reply')
  .option('--stay', 'keep everything running after the summary (with the simulator\'s HTTP API) until Ctrl-C')
  .option('--pretty', 'human-readable logs instead of JSON lines (logs go to stderr)')
  .option('--log-level <level>', 'level of the simulator\'s and transports\' own logs, on stderr (info shows them): fatal, error, warn, info, debug, trace or silent', 'error')
  .action(async (flags: { stay?: boolean; pretty?: boolean; logLevel: string }) => {
    try {
      const logger = await makeLogger('smpp-demo', flags.logLevel, flags.pretty === true, 2);
      const summary = await runDemo({ stay: flags.stay === true, logger });
      if (flags.stay === true) {
        stopOnSignal(() => summary.stop());
        return;
      }
      // Everything is stopped; should a stray timer remain, it must not hold the exit.
      setTimeout(() => process.exit(0), 2_000).unref();
    } catch (err) {
      fail(err);
    }
  });

/**
 * `run` takes vumi2's flags (`--system-id`, `--amqp-hostname`, … see docs/configuration.md),
 * which the config loader parses itself; commander only passes them through.
 */
async function run(argv: string[]): Promise<void> {
  let inspect: InspectOption | undefined;
  let pretty = false;
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--pretty') {
      pretty = true;
    } else if (arg === '--inspect' || arg.startsWith('--inspect=')) {
      const value = arg.includes('=') ? arg.slice(arg.indexOf('=') + 1) : argv[++i];
      if (value === undefined) fail('--inspect needs sky, log, or a ws:// URL');
      inspect = inspectOption(value);
    } else {
      rest.push(arg);
    }
  }
  const loaded = await loadTransportConfig({ argv: rest, env: process.env });
  // The config's log_level (vumi2's names, any case) decides the level, JSON or --pretty alike.
  const logger = await makeLogger('smpp-transport', loaded.config.log_level, pretty);
  const transport = new SmppTransport(loaded.config, { logger, ...(inspect !== undefined && { inspect }) });
  for (const warning of loaded.warnings) transport.logger.warn(warning);
  stopOnSignal(() => transport.stop());
  await transport.start();
}

for (const name of ['run', 'worker']) {
  program
    .command(name, { hidden: name === 'worker' })
    .description(
      name === 'run'
        ? 'run the transport: SMPP binds bridged to RabbitMQ in the vumi message format (--config FILE, vumi2 flags, --inspect, --pretty)'
        : "vumi2's `worker <class>` form of run",
    )
    .allowUnknownOption()
    .allowExcessArguments()
    .helpOption(false)
    .argument('[args...]')
    .action(async (args: string[]) => {
      try {
        await run(args);
      } catch (err) {
        fail(err);
      }
    });
}

await program.parseAsync(process.argv);
