#!/usr/bin/env node
/**
 * The `smpp-transport` command. The only module that reads argv and the environment; everything
 * it starts takes plain options.
 */
import { Command, InvalidArgumentError } from 'commander';
import { readConfigFile } from './config/read-config-file.js';
import { pino } from 'pino';
import { BIND_TYPES, redactedConfig, resolveSessionConfig } from './session/config.js';
import type { SessionConfigInput } from './session/config.js';
import type { InspectOption } from './session/inspect.js';
import { SmppClient } from './session/smpp-client.js';
import { createSimulator } from './simulator/simulator.js';
import { loadTransportConfig } from './transport/config-sources.js';
import { SmppTransport } from './transport/transport.js';
import type { SimulatorOptions } from './simulator/options.js';

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
  .action(async (flags: { host?: string; port?: number; httpPort?: number; http: boolean; config?: string; logLevel?: string }) => {
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
      const simulator = createSimulator(options);
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
        const logger = pino({ name: 'smpp', level: flags.logLevel });
        logger.info({ config: redactedConfig(config) }, 'starting');
        const client = new SmppClient({ ...input, logger, ...(flags.inspect !== undefined && { inspect: flags.inspect }) });
        client.start();
        stopOnSignal(() => client.stop());
      } catch (err) {
        fail(err);
      }
    },
  );

/**
 * `run` takes vumi2's flags (`--system-id`, `--amqp-hostname`, … see docs/configuration.md),
 * which the config loader parses itself; commander only passes them through.
 */
async function run(argv: string[]): Promise<void> {
  let inspect: InspectOption | undefined;
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--inspect' || arg.startsWith('--inspect=')) {
      const value = arg.includes('=') ? arg.slice(arg.indexOf('=') + 1) : argv[++i];
      if (value === undefined) fail('--inspect needs sky, log, or a ws:// URL');
      inspect = inspectOption(value);
    } else {
      rest.push(arg);
    }
  }
  const loaded = await loadTransportConfig({ argv: rest, env: process.env });
  const transport = new SmppTransport(loaded.config, inspect === undefined ? {} : { inspect });
  for (const warning of loaded.warnings) transport.logger.warn(warning);
  stopOnSignal(() => transport.stop());
  await transport.start();
}

for (const name of ['run', 'worker']) {
  program
    .command(name, { hidden: name === 'worker' })
    .description(
      name === 'run'
        ? 'run the transport: SMPP binds bridged to RabbitMQ in the vumi message format (--config FILE, vumi2 flags, --inspect)'
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
