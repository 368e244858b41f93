import { ConfigFileError, readConfigFile } from '../config/read-config-file.js';
import { ConfigError, TRANSPORT_CONFIG_FIELDS, WORKER_CLASSES, resolveTransportConfig } from './config.js';
import type { ConfigField, TransportConfig } from './config.js';

export { ConfigError, redactedTransportConfig } from './config.js';

/**
 * The three sources of the transport's configuration, read the way vumi2 reads them
 * (reference §1.1), plus our own environment prefix:
 *
 * - file: `--config <path>`, else `VUMI_CONFIG_FILE`; YAML or JSON; none when neither is set.
 * - environment: `SMPP_TRANSPORT_<NAME>` (ours) and vumi2's `<NAME>`, or
 *   `<VUMI_CONFIG_PREFIX>_<NAME>` when that is set; NAME is the field's path upper-cased and
 *   joined with `_` (`AMQP_HOSTNAME`). Ours wins when both are set.
 * - flags: `--kebab-case`, nested joined with `-` (`--amqp-hostname`), `--name value` or
 *   `--name=value`; a boolean field also takes `--name` alone and `--no-name`.
 *
 * Nothing here reads process.env or process.argv: the caller passes them in.
 */

/** Our environment prefix: `SMPP_TRANSPORT_HOST`, `SMPP_TRANSPORT_AMQP_HOSTNAME` … */
export const ENV_PREFIX = 'SMPP_TRANSPORT_';

export type Environment = Readonly<Record<string, string | undefined>>;

/** Values read from one source, nested like the config file, with where each came from. */
export interface SourceLayer {
  readonly values: Record<string, unknown>;
  /** Dotted field name → `environment variable PORT` / `flag --port`. */
  readonly origins: Record<string, string>;
  /** The variable names or flags that were used, for a start-up log line (never their values). */
  readonly used: string[];
  readonly warnings: string[];
}

const FALSY = new Set(['false', '0', 'no', 'off']);
const TRUTHY = new Set(['true', '1', 'yes', 'on']);

const FIELD_BY_NAME = new Map(TRANSPORT_CONFIG_FIELDS.map((f) => [f.name, f]));
const FIELD_BY_FLAG = new Map(TRANSPORT_CONFIG_FIELDS.map((f) => [f.flag, f]));

function emptyLayer(): SourceLayer {
  return { values: {}, origins: {}, used: [], warnings: [] };
}

/**
 * Puts a raw string at the field's place. A field that is both a value and a mapping (`tls`:
 * true or TLS options) may get both in one source: `TLS=true` with `TLS_CA` gives the options
 * (TLS on), `TLS=false` wins over them.
 */
function setValue(layer: SourceLayer, field: ConfigField, raw: string, origin: string): void {
  let node = layer.values;
  for (let i = 0; i < field.path.length - 1; i++) {
    const key = field.path[i] as string;
    const parent = node[key];
    if (typeof parent === 'string') {
      const parentField = FIELD_BY_NAME.get(field.path.slice(0, i + 1).join('.'));
      const parentOrigin = layer.origins[field.path.slice(0, i + 1).join('.')] ?? key;
      if (parentField?.kind === 'boolean' && FALSY.has(parent.trim().toLowerCase())) {
        layer.warnings.push(`${origin} ignored: ${parentOrigin} turns ${parentField.name} off`);
        return;
      }
      if (!(parentField?.kind === 'boolean' && TRUTHY.has(parent.trim().toLowerCase()))) {
        layer.warnings.push(`${parentOrigin} ignored: ${origin} sets one of its fields`);
      }
    }
    const next = node[key];
    if (typeof next !== 'object' || next === null || Array.isArray(next)) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  node[field.path[field.path.length - 1] as string] = raw;
  layer.origins[field.name] = origin;
}

/** vumi2's environment name for a field: the prefix and the field's parts, upper-cased, joined with `_`. */
export function vumiEnvName(field: ConfigField, prefix: string): string {
  return [prefix, ...field.path]
    .filter((p) => p !== '')
    .map((p) => p.toUpperCase())
    .join('_');
}

/** A Kubernetes service link (`<SERVICE>_PORT=tcp://10.0.0.1:5672`): never a port number. */
const SERVICE_LINK = /^(?:tcp|udp|sctp):\/\/\S+:\d+$/;

/** Reads every field from the environment: ours (`SMPP_TRANSPORT_…`) over vumi2's names. */
export function readEnvironment(env: Environment): SourceLayer {
  const layer = emptyLayer();
  const prefix = env.VUMI_CONFIG_PREFIX ?? '';
  for (const field of TRANSPORT_CONFIG_FIELDS) {
    const ours = `${ENV_PREFIX}${field.env}`;
    const theirs = vumiEnvName(field, prefix);
    const oursValue = env[ours];
    let theirsValue = theirs === ours ? undefined : env[theirs];
    if (theirsValue !== undefined && prefix === '' && field.kind === 'number' && SERVICE_LINK.test(theirsValue.trim())) {
      layer.warnings.push(
        `environment variable ${theirs} ignored: "${theirsValue}" looks like a Kubernetes service link, not a ${field.name}; set ${ours} or VUMI_CONFIG_PREFIX, or enableServiceLinks: false`,
      );
      theirsValue = undefined;
    }
    if (oursValue !== undefined && theirsValue !== undefined && oursValue !== theirsValue) {
      layer.warnings.push(`environment variable ${theirs} ignored: ${ours} is set too`);
    }
    const [name, value] = oursValue !== undefined ? [ours, oursValue] : [theirs, theirsValue];
    if (value === undefined) continue;
    setValue(layer, field, value, `environment variable ${name}`);
    layer.used.push(name);
  }
  return layer;
}

export interface ParsedFlags extends SourceLayer {
  /** `--config <path>`. */
  readonly configFile: string | undefined;
  /** A vumi2 worker class path given as an argument (`vumi2 worker <class>` style), checked. */
  readonly workerClass: string | undefined;
}

const SECRET_FLAGS = new Set(['password', 'amqp.password', 'tls.key']);

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0] as number;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j] as number;
      row[j] = Math.min(above + 1, (row[j - 1] as number) + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return row[b.length] as number;
}

function unknownFlag(flag: string): ConfigError {
  const near = [...FIELD_BY_FLAG.keys(), '--config']
    .map((f) => [f, editDistance(flag, f)] as const)
    .sort((x, y) => x[1] - y[1])[0];
  const hint = near !== undefined && near[1] <= 3 ? ` (did you mean ${near[0]}?)` : '';
  return new ConfigError(`unknown option ${flag}${hint}; every config field has a flag, see docs/configuration.md`, flag);
}

/**
 * Parses the arguments after `run`: field flags, `--config <file>`, and at most one positional
 * argument, a vumi2 worker class path (so `vumi2 worker <class> …` command lines carry over).
 * Throws `ConfigError` for an unknown flag, a flag without its value, or another class.
 */
export function parseFlags(argv: readonly string[]): ParsedFlags {
  const layer = emptyLayer();
  let configFile: string | undefined;
  let workerClass: string | undefined;
  const positional: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const token = argv[i] as string;
    if (token === '--') {
      positional.push(...argv.slice(i + 1));
      break;
    }
    if (!token.startsWith('--')) {
      positional.push(token);
      continue;
    }
    const eq = token.indexOf('=');
    const flag = (eq < 0 ? token : token.slice(0, eq)).replaceAll('_', '-');
    const inline = eq < 0 ? undefined : token.slice(eq + 1);
    const next = argv[i + 1];
    if (flag === '--config') {
      const path = inline ?? (next !== undefined && !next.startsWith('--') ? argv[++i] : undefined);
      if (path === undefined || path === '') throw new ConfigError('--config: needs a file path', '--config');
      configFile = path;
      continue;
    }
    let field = FIELD_BY_FLAG.get(flag);
    let value: string | undefined;
    if (field === undefined && flag.startsWith('--no-')) {
      const positive = FIELD_BY_FLAG.get(`--${flag.slice(5)}`);
      if (positive?.kind === 'boolean' && inline === undefined) {
        field = positive;
        value = 'false';
      }
    }
    if (field === undefined) throw unknownFlag(flag);
    if (value === undefined) {
      if (inline !== undefined) value = inline;
      else if (field.kind === 'boolean') {
        const word = next?.trim().toLowerCase();
        value = word !== undefined && (TRUTHY.has(word) || FALSY.has(word)) ? argv[++i] : 'true';
      } else if (next !== undefined && !next.startsWith('--')) value = argv[++i];
      else throw new ConfigError(`${field.flag}: needs a value`, field.name);
    }
    if (SECRET_FLAGS.has(field.name)) {
      layer.warnings.push(`${field.flag} on the command line is visible to other users of this machine; prefer ${ENV_PREFIX}${field.env}`);
    }
    setValue(layer, field, value as string, `flag ${field.flag}`);
    if (!layer.used.includes(field.flag)) layer.used.push(field.flag);
  }
  if (positional.length > 1) {
    throw new ConfigError(`unexpected arguments: ${positional.join(' ')}; flags start with --`);
  }
  const [only] = positional;
  if (only !== undefined) {
    workerClass = only;
    if (!Object.hasOwn(WORKER_CLASSES, only)) {
      throw new ConfigError(`worker class: unknown "${only}"; this runs ${Object.keys(WORKER_CLASSES).join(' or ')}`, 'worker class');
    }
  }
  return { ...layer, configFile, workerClass };
}

export interface LoadTransportConfigOptions {
  /** The arguments after `run` (flags, `--config <file>`, optionally a vumi2 worker class path). */
  readonly argv?: readonly string[];
  /** The environment (process.env, or a plain object in tests). */
  readonly env?: Environment;
  /** Reads and parses the config file; readConfigFile by default. */
  readonly readFile?: (path: string) => Promise<unknown>;
}

export interface LoadedTransportConfig {
  readonly config: TransportConfig;
  /** To log at warn before starting: unknown keys, unused fields, ignored variables. */
  readonly warnings: readonly string[];
  /** Where the configuration came from, for a start-up log line (names only, no values). */
  readonly sources: {
    readonly file: string | null;
    readonly env: readonly string[];
    readonly flags: readonly string[];
  };
  readonly workerClass: string | undefined;
}

/**
 * Reads the file, the environment and the flags, and resolves them: flags over environment over
 * file. Throws `ConfigError` (one line, naming the field or the file) when anything is wrong.
 */
export async function loadTransportConfig(options: LoadTransportConfigOptions = {}): Promise<LoadedTransportConfig> {
  const env = options.env ?? {};
  const flags = parseFlags(options.argv ?? []);
  const environment = readEnvironment(env);
  const fromEnv = env.VUMI_CONFIG_FILE;
  const path = flags.configFile ?? (fromEnv !== undefined && fromEnv !== '' ? fromEnv : undefined);
  let file: unknown = {};
  if (path !== undefined) {
    try {
      file = (await (options.readFile ?? readConfigFile)(path)) ?? {};
    } catch (e) {
      if (e instanceof ConfigFileError) throw new ConfigError(e.message, undefined, { cause: e });
      throw e;
    }
    if (typeof file !== 'object' || Array.isArray(file)) {
      throw new ConfigError(`config file ${path}: must be a mapping of field names to values`);
    }
  }
  const { config, warnings } = resolveTransportConfig({
    file,
    env: environment.values,
    cli: flags.values,
    origins: { ...environment.origins, ...flags.origins },
  });
  return {
    config,
    warnings: [...environment.warnings, ...flags.warnings, ...warnings],
    sources: { file: path ?? null, env: environment.used, flags: flags.used },
    workerClass: flags.workerClass,
  };
}
