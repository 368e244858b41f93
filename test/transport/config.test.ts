import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { loadTransportConfig, parseFlags, readEnvironment } from '../../src/transport/config-sources.js';
import {
  ConfigError,
  DEFAULT_STATUS_MAPPING,
  TRANSPORT_CONFIG_FIELDS,
  VUMI2_DELIVERY_REPORT_REGEX,
  pythonCodec,
  redactedTransportConfig,
  registeredDeliveryOctet,
  resolveTransportConfig,
  sessionConfigOf,
} from '../../src/transport/config.js';
import type { TransportConfigSources } from '../../src/transport/config.js';
import { VUMI2_RECEIPT_REGEX, VUMI2_STATUS_MAPPING } from '../../src/transport/inbound/delivery-report.js';

beforeEach(() => {
  expect.hasAssertions();
});

/** The ConfigError a resolve throws; fails the test when there is none. */
function configError(sources: TransportConfigSources): ConfigError {
  try {
    resolveTransportConfig(sources);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return e as ConfigError;
  }
  throw new Error(`no ConfigError for ${JSON.stringify(sources)}`);
}

async function loadError(options: Parameters<typeof loadTransportConfig>[0]): Promise<ConfigError> {
  try {
    await loadTransportConfig(options);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return e as ConfigError;
  }
  throw new Error('no ConfigError');
}

/** A vumi2 SMPP config as deployments write them: class paths, enum names, nested sub-configs. */
const VUMI2_YAML = `
transport_name: smpp_mno
host: smsc.example.net
port: 2776
system_id: vumi
password: s3cret
system_type: VMA
interface_version: 34
address_range: "^2782"
smpp_enquire_link_interval: 30
smpp_bind_timeout: 20
amqp:
  hostname: rabbitmq
  port: 5673
  username: vumi
  password: amqp-pass
  vhost: /vumi
worker_concurrency: 10
log_level: DEBUG
http_bind: 0.0.0.0:8000
sequencer_class: vumi2.transports.smpp.sequencers.InMemorySequencer
sequencer_config: {}
smpp_cache_class: vumi2.transports.smpp.smpp_cache.InMemorySmppCache
smpp_cache_config:
  timeout: 3600
submit_sm_processor_class: vumi2.transports.smpp.processors.SubmitShortMessageProcessor
submit_sm_processor_config:
  data_coding: UCS2
  multipart_handling: multipart_udh
  service_type: WAP
  source_addr_ton: ALPHANUMERIC
  source_addr_npi: UNKNOWN
  dest_addr_ton: INTERNATIONAL
  dest_addr_npi: ISDN
  registered_delivery:
    delivery_receipt: SMSC_DELIVERY_RECEIPT_REQUESTED
    sme_originated_acks: [SME_MANUAL_ACK_REQUESTED]
    intermediate_notification: true
  multipart_sar_reference_rollover: 256
sm_processor_class: vumi2.transports.smpp.processors.ShortMessageProcessor
sm_processor_config:
  data_coding_overrides:
    OCTET_UNSPECIFIED: latin1
    SMSC_DEFAULT_ALPHABET: ascii
    OCTET_UNSPECIFIED_COMMON: utf-8
dr_processor_class: vumi2.transports.smpp.processors.DeliveryReportProcesser
dr_processor_config:
  regex: 'id:(?P<id>\\S{,65}) .*stat:(?P<stat>[A-Z]+)'
  status_mapping:
    DELIVRD: delivered
    UNDELIV: failed
    ENROUTE: pending
middlewares: []
`;

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'transport-config-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function writeConfig(name: string, text: string): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, text);
  return path;
}

describe('defaults', () => {
  it("equal vumi2's (reference §1.2–1.7)", () => {
    const { config, warnings } = resolveTransportConfig({});
    expect(warnings).toEqual([]);
    // §1.2 BaseConfig
    expect(config.amqp).toEqual({ hostname: '127.0.0.1', port: 5672, username: 'guest', password: 'guest', vhost: '/' });
    expect(config.amqp_url).toBe('');
    expect(config.worker_concurrency).toBe(20);
    expect(config.sentry_dsn).toBeNull();
    expect(config.http_bind).toBeNull();
    expect(config.log_level).toBe('info');
    expect(config.middlewares).toEqual([]);
    // §1.3 transport
    expect(config).toMatchObject({
      transport_name: 'smpp',
      host: 'localhost',
      port: 2775,
      system_id: 'smppclient1',
      password: 'password',
      system_type: '', // vumi2: None, sent as an empty C-string
      interface_version: 34,
      address_range: '',
      smpp_enquire_link_interval: 55,
      smpp_bind_timeout: 30,
      sequencer_class: 'memory',
      sequencer_config: {},
      submit_sm_processor_class: 'default',
      sm_processor_class: 'default',
      dr_processor_class: 'default',
      smpp_cache_class: 'memory',
      addr_ton: 0,
      addr_npi: 0,
      bind_type: 'transceiver',
    });
    // §1.4
    expect(config.submit_sm_processor_config).toEqual({
      data_coding: 0,
      multipart_handling: 'short_message',
      service_type: '',
      source_addr_ton: 0,
      source_addr_npi: 0,
      dest_addr_ton: 0,
      dest_addr_npi: 1,
      registered_delivery: { delivery_receipt: 0, sme_originated_acks: [], intermediate_notification: false },
      multipart_sar_reference_rollover: 0x10000,
      multipart_udh_reference_bits: 8,
    });
    expect(registeredDeliveryOctet(config.submit_sm_processor_config.registered_delivery)).toBe(0);
    // §1.5
    expect(config.sm_processor_config.data_coding_overrides).toEqual({});
    // §1.6: vumi2's regex, and every entry of vumi2's table maps the same way
    expect(config.dr_processor_config.regex.source).toBe(VUMI2_RECEIPT_REGEX.source);
    for (const [stat, status] of Object.entries(VUMI2_STATUS_MAPPING)) {
      expect(config.dr_processor_config.status_mapping[stat]).toBe(status);
    }
    // §1.7
    expect(config.smpp_cache_config.timeout).toBe(86_400);
  });

  it('of our additions', () => {
    const { config } = resolveTransportConfig({});
    expect(config.bus).toBe('amqp');
    expect(config.redis).toEqual({ url: 'redis://127.0.0.1:6379', key_prefix: 'smpp:smpp:' });
    expect(config.sm_processor_config).toMatchObject({ multipart_timeout: 3600, gsm_packed: false, concat_udh_without_udhi: true });
    expect(config.dr_processor_config).toMatchObject({
      message_id_profile: {
        submit: { base: 'opaque', caseFold: true, stripLeadingZeros: true },
        receipt: { base: 'opaque', caseFold: true, stripLeadingZeros: true },
      },
      tolerant_parser: true,
      match_body_without_esm_class: true,
      unparsed_receipts: 'drop',
    });
    expect(config.dr_processor_config.status_mapping).toEqual(DEFAULT_STATUS_MAPPING);
    expect(config.vumi2_metadata).toBe(false);
    expect(config).toMatchObject({ smpp_enquire_link_timeout: 10, smpp_response_timeout: 30, window_size: 10, tls: false });
  });

  it("the default DR regex is vumi2's, in Python syntax, and matches vumi2's test receipt", () => {
    const { config } = resolveTransportConfig({});
    expect(VUMI2_DELIVERY_REPORT_REGEX).toContain('(?P<id>[^ ]{,65})');
    const m = config.dr_processor_config.regex.exec(
      'id:0123456789 sub:001 dlvrd:001 submit date:2209121354 done date:2209121454 stat:REJECTD Text:01234567890123456789',
    );
    expect(m?.groups).toMatchObject({ id: '0123456789', stat: 'REJECTD' });
  });

  it('sessionConfigOf gives exactly the session fields', () => {
    const { config } = resolveTransportConfig({ file: { host: 'smsc', window_size: 50 } });
    const session = sessionConfigOf(config);
    expect(session).toMatchObject({ host: 'smsc', window_size: 50, port: 2775 });
    expect(session).not.toHaveProperty('amqp');
  });
});

describe('a vumi2 config file', () => {
  it('loads unchanged', async () => {
    const path = await writeConfig('vumi2.yaml', VUMI2_YAML);
    const { config, warnings, sources } = await loadTransportConfig({ argv: ['--config', path], env: {} });
    expect(warnings).toEqual([]);
    expect(sources).toEqual({ file: path, env: [], flags: [] });
    expect(config).toMatchObject({
      transport_name: 'smpp_mno',
      host: 'smsc.example.net',
      port: 2776,
      system_id: 'vumi',
      password: 's3cret',
      system_type: 'VMA',
      address_range: '^2782',
      smpp_enquire_link_interval: 30,
      smpp_bind_timeout: 20,
      amqp: { hostname: 'rabbitmq', port: 5673, username: 'vumi', password: 'amqp-pass', vhost: '/vumi' },
      worker_concurrency: 10,
      log_level: 'debug',
      http_bind: '0.0.0.0:8000',
      sequencer_class: 'memory',
      smpp_cache_class: 'memory',
      smpp_cache_config: { timeout: 3600 },
      submit_sm_processor_class: 'default',
      sm_processor_class: 'default',
      dr_processor_class: 'default',
    });
    expect(config.submit_sm_processor_config).toMatchObject({
      data_coding: 8,
      multipart_handling: 'multipart_udh',
      service_type: 'WAP',
      source_addr_ton: 5,
      source_addr_npi: 0,
      dest_addr_ton: 1,
      dest_addr_npi: 1,
      registered_delivery: { delivery_receipt: 1, sme_originated_acks: [8], intermediate_notification: true },
      multipart_sar_reference_rollover: 256,
    });
    expect(registeredDeliveryOctet(config.submit_sm_processor_config.registered_delivery)).toBe(0x19);
    expect(config.sm_processor_config.data_coding_overrides).toEqual({ 2: 3, 0: 1, 4: 'utf-8' });
    // A supplied mapping replaces the default wholesale, as in vumi2.
    expect(config.dr_processor_config.status_mapping).toEqual({ DELIVRD: 'delivered', UNDELIV: 'failed', ENROUTE: 'pending' });
    expect(config.dr_processor_config.regex.exec('id:abc sub:1 stat:DELIVRD')?.groups).toMatchObject({ id: 'abc', stat: 'DELIVRD' });
  });

  it('is found through VUMI_CONFIG_FILE, as vumi2 finds it', async () => {
    const path = await writeConfig('via-env.yaml', 'host: from-file\n');
    const { config, sources } = await loadTransportConfig({ env: { VUMI_CONFIG_FILE: path } });
    expect(config.host).toBe('from-file');
    expect(sources.file).toBe(path);
  });

  it('--config wins over VUMI_CONFIG_FILE', async () => {
    const a = await writeConfig('a.yaml', 'host: a\n');
    const b = await writeConfig('b.yaml', 'host: b\n');
    const { config } = await loadTransportConfig({ argv: [`--config=${b}`], env: { VUMI_CONFIG_FILE: a } });
    expect(config.host).toBe('b');
  });

  it('JSON works too, and an empty file is an empty config', async () => {
    const json = await writeConfig('c.json', '{"host": "json-host", "amqp": {"port": 5999}}');
    expect((await loadTransportConfig({ argv: ['--config', json] })).config).toMatchObject({ host: 'json-host', amqp: { port: 5999 } });
    const empty = await writeConfig('empty.yaml', '');
    expect((await loadTransportConfig({ argv: ['--config', empty] })).config.host).toBe('localhost');
  });

  it('a missing file or one that is not a mapping stops with one line', async () => {
    const missing = await loadError({ env: { VUMI_CONFIG_FILE: join(dir, 'nope.yaml') } });
    expect(missing.message).toBe(`config file ${join(dir, 'nope.yaml')}: not found`);
    const list = await writeConfig('list.yaml', '- a\n- b\n');
    const notMapping = await loadError({ argv: ['--config', list] });
    expect(notMapping.message).toBe(`config file ${list}: must be a mapping of field names to values`);
    expect((await loadError({ argv: ['--config'] })).message).toBe('--config: needs a file path');
  });

  it('accepts the worker class argument of `vumi2 worker <class>`, and only the SMPP transport', async () => {
    for (const cls of ['vumi2.transports.smpp.SmppTransceiverTransport', 'vumi2.transports.smpp.smpp.SmppTransceiverTransport']) {
      expect((await loadTransportConfig({ argv: [cls, '--host', 'h'] })).workerClass).toBe(cls);
    }
    const err = await loadError({ argv: ['vumi2.transports.http_rpc.HttpRpcTransport'] });
    expect(err.message).toMatch(/^worker class: unknown "vumi2\.transports\.http_rpc\.HttpRpcTransport"; this runs vumi2\.transports\.smpp\.SmppTransceiverTransport/);
  });
});

describe('sources and their priority', () => {
  it('CLI over environment over file', async () => {
    const path = await writeConfig('prio.yaml', 'host: file-host\nport: 1111\nsystem_id: file-id\namqp:\n  hostname: file-amqp\n  vhost: /file\n');
    const { config, sources } = await loadTransportConfig({
      argv: ['--config', path, '--host', 'cli-host', '--amqp-hostname=cli-amqp'],
      env: { HOST: 'env-host', PORT: '2222', AMQP_HOSTNAME: 'env-amqp', AMQP_USERNAME: 'env-user' },
    });
    expect(config).toMatchObject({
      host: 'cli-host',
      port: 2222,
      system_id: 'file-id',
      // nested mappings merge key by key
      amqp: { hostname: 'cli-amqp', vhost: '/file', username: 'env-user', port: 5672 },
    });
    expect(sources.env).toEqual(['HOST', 'PORT', 'AMQP_HOSTNAME', 'AMQP_USERNAME']);
    expect(sources.flags).toEqual(['--host', '--amqp-hostname']);
  });

  it('resolveTransportConfig takes the three layers directly', () => {
    const { config } = resolveTransportConfig({ file: { port: 1 }, env: { port: '2', host: 'e' }, cli: { port: 3 } });
    expect(config).toMatchObject({ port: 3, host: 'e' });
  });
});

describe('environment names', () => {
  it("vumi2's bare names without VUMI_CONFIG_PREFIX", () => {
    const layer = readEnvironment({ HOST: 'h', SYSTEM_ID: 's', SMPP_BIND_TIMEOUT: '12', TRANSPORT_NAME: 't', AMQP_VHOST: '/v' });
    expect(layer.values).toEqual({ host: 'h', system_id: 's', smpp_bind_timeout: '12', transport_name: 't', amqp: { vhost: '/v' } });
    expect(layer.origins).toMatchObject({ host: 'environment variable HOST', 'amqp.vhost': 'environment variable AMQP_VHOST' });
  });

  it('VUMI_CONFIG_PREFIX prefixes them (upper-cased, joined with _) and bare names are then not read', () => {
    const layer = readEnvironment({ VUMI_CONFIG_PREFIX: 'vumi', VUMI_HOST: 'prefixed', HOST: 'bare', VUMI_AMQP_HOSTNAME: 'mq' });
    expect(layer.values).toEqual({ host: 'prefixed', amqp: { hostname: 'mq' } });
    expect(layer.used).toEqual(['VUMI_HOST', 'VUMI_AMQP_HOSTNAME']);
  });

  it('our SMPP_TRANSPORT_ prefix always works and wins over the vumi2 name, with a warning', () => {
    const layer = readEnvironment({ SMPP_TRANSPORT_HOST: 'ours', HOST: 'theirs', SMPP_TRANSPORT_AMQP_PORT: '5673' });
    expect(layer.values).toEqual({ host: 'ours', amqp: { port: '5673' } });
    expect(layer.warnings).toEqual(['environment variable HOST ignored: SMPP_TRANSPORT_HOST is set too']);
    const prefixed = readEnvironment({ VUMI_CONFIG_PREFIX: 'X', SMPP_TRANSPORT_PORT: '1', X_PORT: '2', X_HOST: 'x' });
    expect(prefixed.values).toEqual({ port: '1', host: 'x' });
  });

  it('VUMI_CONFIG_PREFIX=SMPP_TRANSPORT makes both forms one and turns bare names off', () => {
    const layer = readEnvironment({ VUMI_CONFIG_PREFIX: 'SMPP_TRANSPORT', SMPP_TRANSPORT_HOST: 'h', PORT: '8080' });
    expect(layer.values).toEqual({ host: 'h' });
    expect(layer.warnings).toEqual([]);
  });

  it('skips a Kubernetes service link posing as a port, with a warning', async () => {
    const { config, warnings } = await loadTransportConfig({ env: { AMQP_PORT: 'tcp://10.0.0.11:5672', PORT: '2776' } });
    expect(config.amqp.port).toBe(5672);
    expect(config.port).toBe(2776);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/^environment variable AMQP_PORT ignored: "tcp:\/\/10\.0\.0\.11:5672" looks like a Kubernetes service link/);
  });

  it('every field has a distinct environment name and flag', () => {
    const envs = TRANSPORT_CONFIG_FIELDS.map((f) => f.env);
    const flags = TRANSPORT_CONFIG_FIELDS.map((f) => f.flag);
    expect(new Set(envs).size).toBe(envs.length);
    expect(new Set(flags).size).toBe(flags.length);
    expect(TRANSPORT_CONFIG_FIELDS.find((f) => f.name === 'submit_sm_processor_config.registered_delivery.delivery_receipt')).toMatchObject({
      env: 'SUBMIT_SM_PROCESSOR_CONFIG_REGISTERED_DELIVERY_DELIVERY_RECEIPT',
      flag: '--submit-sm-processor-config-registered-delivery-delivery-receipt',
    });
  });
});

describe('nested fields from the environment and flags', () => {
  it('sub-config fields, lists, mappings', async () => {
    const { config } = await loadTransportConfig({
      env: {
        SUBMIT_SM_PROCESSOR_CONFIG_DATA_CODING: 'LATIN_1',
        SUBMIT_SM_PROCESSOR_CONFIG_REGISTERED_DELIVERY_SME_ORIGINATED_ACKS: 'SME_DELIVERY_ACK_REQUESTED, SME_MANUAL_ACK_REQUESTED',
        SM_PROCESSOR_CONFIG_DATA_CODING_OVERRIDES: '{"OCTET_UNSPECIFIED": "utf8"}',
        SMPP_TRANSPORT_DR_PROCESSOR_CONFIG_STATUS_MAPPING: '{DELIVRD: delivered, ACCEPTD: pending}',
      },
      argv: [
        '--submit-sm-processor-config-registered-delivery-delivery-receipt',
        'SMSC_DELIVERY_RECEIPT_REQUESTED_FOR_FAILURE',
        '--smpp-cache-config-timeout=600',
        '--dr-processor-config-message-id-format-submit-sm-resp',
        'hex',
      ],
    });
    expect(config.submit_sm_processor_config.data_coding).toBe(3);
    expect(config.submit_sm_processor_config.registered_delivery).toEqual({ delivery_receipt: 2, sme_originated_acks: [4, 8], intermediate_notification: false });
    expect(config.sm_processor_config.data_coding_overrides).toEqual({ 2: 'utf-8' });
    expect(config.dr_processor_config.status_mapping).toEqual({ DELIVRD: 'delivered', ACCEPTD: 'pending' });
    expect(config.smpp_cache_config.timeout).toBe(600);
    expect(config.dr_processor_config.message_id_profile.submit.base).toBe('hex');
    expect(config.dr_processor_config.message_id_profile.receipt.base).toBe('opaque');
  });

  it('tls: a flag alone turns it on; its options from the environment; true keeps the options; false wins', async () => {
    expect((await loadTransportConfig({ argv: ['--tls'] })).config.tls).toBe(true);
    expect((await loadTransportConfig({ argv: ['--tls', '--no-tls'] })).config.tls).toBe(false);
    const withCa = await loadTransportConfig({ env: { SMPP_TRANSPORT_TLS: 'true', SMPP_TRANSPORT_TLS_CA: 'PEM' } });
    expect(withCa.config.tls).toEqual({ ca: 'PEM', reject_unauthorized: true });
    expect(withCa.warnings).toEqual([]);
    const fileOptions = resolveTransportConfig({ file: { tls: { servername: 'smsc' } }, cli: { tls: 'true' } });
    expect(fileOptions.config.tls).toEqual({ servername: 'smsc', reject_unauthorized: true });
    const off = await loadTransportConfig({ env: { TLS: 'false', TLS_CA: 'PEM' } });
    expect(off.config.tls).toBe(false);
    expect(off.warnings).toEqual(['environment variable TLS_CA ignored: environment variable TLS turns tls off']);
    const noVerify = await loadTransportConfig({ argv: ['--tls-reject-unauthorized', 'false'] });
    expect(noVerify.config.tls).toEqual({ reject_unauthorized: false });
  });

  it('flags take --name value, --name=value, underscores, and the last one wins', () => {
    const flags = parseFlags(['--system_id', 'a', '--system-id=b', '--port', '1', '--port=2']);
    expect(flags.values).toEqual({ system_id: 'b', port: '2' });
    expect(flags.used).toEqual(['--system-id', '--port']);
  });

  it('a secret on the command line gets a warning', () => {
    expect(parseFlags(['--password', 'x']).warnings).toEqual([
      '--password on the command line is visible to other users of this machine; prefer SMPP_TRANSPORT_PASSWORD',
    ]);
  });
});

describe('string conversion', () => {
  it('numbers, booleans, nulls, lists, mappings', () => {
    const { config } = resolveTransportConfig({
      env: {
        port: '2776',
        smpp_enquire_link_interval: '0.5',
        amqp: { port: '0x1628' },
        http_bind: '',
        sentry_dsn: '',
        system_type: '',
        submit_sm_processor_config: { source_addr_ton: '1', registered_delivery: { intermediate_notification: 'yes' } },
        dr_processor_config: { message_id_case_fold: 'off', kannel_msg_id_type: '1' },
        middlewares: '[]',
      },
    });
    expect(config.port).toBe(2776);
    expect(config.smpp_enquire_link_interval).toBe(0.5);
    expect(config.amqp.port).toBe(0x1628);
    expect(config.http_bind).toBeNull();
    expect(config.sentry_dsn).toBeNull();
    expect(config.system_type).toBe('');
    expect(config.submit_sm_processor_config.source_addr_ton).toBe(1);
    expect(config.submit_sm_processor_config.registered_delivery.intermediate_notification).toBe(true);
    expect(config.dr_processor_config.message_id_profile).toEqual({
      submit: { base: 'hex', caseFold: false, stripLeadingZeros: true },
      receipt: { base: 'decimal', caseFold: false, stripLeadingZeros: true },
    });
  });

  it("quoted numbers in a file work, as cattrs's int() lets them; null for vumi2's Optional[str] is empty", () => {
    const { config } = resolveTransportConfig({ file: { port: '2776', system_type: null, address_range: null, submit_sm_processor_config: { service_type: null } } });
    expect(config).toMatchObject({ port: 2776, system_type: '', address_range: '' });
    expect(config.submit_sm_processor_config.service_type).toBe('');
  });

  it('enum fields take names (any case) or integers', () => {
    const { config } = resolveTransportConfig({
      file: { submit_sm_processor_config: { data_coding: 'latin_1', source_addr_ton: 5, dest_addr_npi: 'land_mobile', registered_delivery: { delivery_receipt: 1, sme_originated_acks: [4] } } },
    });
    expect(config.submit_sm_processor_config).toMatchObject({ data_coding: 3, source_addr_ton: 5, dest_addr_npi: 6 });
    expect(registeredDeliveryOctet(config.submit_sm_processor_config.registered_delivery)).toBe(0x05);
  });

  it("log_level takes Python's names in any case and pino's", () => {
    const levels = { WARNING: 'warn', critical: 'fatal', Info: 'info', NOTSET: 'trace', silent: 'silent', debug: 'debug' };
    for (const [given, level] of Object.entries(levels)) {
      expect(resolveTransportConfig({ env: { log_level: given } }).config.log_level).toBe(level);
    }
  });
});

describe('a bad value', () => {
  it.each<[string, TransportConfigSources, string]>([
    ['a number', { cli: { port: 'abc' } }, 'port: must be a number; got "abc"'],
    ['an integer', { file: { worker_concurrency: 2.5 } }, 'worker_concurrency: must be an integer; got 2.5'],
    ['a range', { file: { amqp: { port: 70000 } } }, 'amqp.port: must be at most 65535; got 70000'],
    ['a positive time', { file: { smpp_bind_timeout: 0 } }, 'smpp_bind_timeout: must be greater than 0; got 0'],
    ['a boolean', { env: { dr_processor_config: { tolerant_parser: 'maybe' } } }, 'dr_processor_config.tolerant_parser: must be true or false; got "maybe"'],
    [
      'a data_coding name',
      { file: { submit_sm_processor_config: { data_coding: 'LATIN1' } } },
      'submit_sm_processor_config.data_coding: must be one of SMSC_DEFAULT_ALPHABET, IA5_ASCII, OCTET_UNSPECIFIED, LATIN_1, OCTET_UNSPECIFIED_COMMON, JIS, CYRILLIC, ISO_8859_8, UCS2, PICTOGRAM, ISO_2022_JP, EXTENDED_KANJI_JIS, KS_C_5601 or 0–255; got "LATIN1"',
    ],
    [
      'a data_coding without an encoding',
      { file: { submit_sm_processor_config: { data_coding: 'PICTOGRAM' } } },
      'submit_sm_processor_config.data_coding: PICTOGRAM (9) has no text encoding here; must be one of SMSC_DEFAULT_ALPHABET, IA5_ASCII, OCTET_UNSPECIFIED, LATIN_1, OCTET_UNSPECIFIED_COMMON, JIS, CYRILLIC, ISO_8859_8, UCS2 or a GSM DCS value (docs/encoding.md); got "PICTOGRAM"',
    ],
    [
      'a TON',
      { file: { submit_sm_processor_config: { source_addr_ton: 'ALPHA' } } },
      'submit_sm_processor_config.source_addr_ton: must be one of UNKNOWN, INTERNATIONAL, NATIONAL, NETWORK_SPECIFIC, SUBSCRIBER_NUMBER, ALPHANUMERIC, ABBREVIATED or 0–255; got "ALPHA"',
    ],
    [
      'an SME ack',
      { file: { submit_sm_processor_config: { registered_delivery: { sme_originated_acks: ['SME_DELIVERY_ACK_REQUESTED', 3] } } } },
      'submit_sm_processor_config.registered_delivery.sme_originated_acks.1: must be one of SME_DELIVERY_ACK_REQUESTED, SME_MANUAL_ACK_REQUESTED or their values 4, 8; got 3',
    ],
    ['an enum', { file: { submit_sm_processor_config: { multipart_handling: 'udh' } } }, 'submit_sm_processor_config.multipart_handling: must be one of short_message, message_payload, multipart_sar, multipart_udh; got "udh"'],
    ['a string length', { file: { system_id: 'a-very-long-system-id' } }, 'system_id: must be at most 15 characters; got "a-very-long-system-id"'],
    ['ASCII', { file: { system_id: 'café' } }, 'system_id: must be printable ASCII; got "café"'],
    ['service_type length', { file: { submit_sm_processor_config: { service_type: 'TOOLONG' } } }, 'submit_sm_processor_config.service_type: must be at most 5 characters; got "TOOLONG"'],
    ['a mapping', { file: { amqp: 'rabbit' } }, 'amqp: must be a mapping; got "rabbit"'],
    ['a union', { cli: { tls: 'sometimes' } }, 'tls: must be true or false or a mapping; got "sometimes"'],
    ['a log level', { file: { log_level: 'LOUD' } }, 'log_level: must be one of DEBUG, INFO, WARNING, ERROR, CRITICAL (any case), trace, fatal or silent; got "LOUD"'],
    ['http_bind', { file: { http_bind: '8000' } }, 'http_bind: must be host:port (e.g. 0.0.0.0:8000), [::]:port or unix:/path; got "8000"'],
    ['a class path', { file: { sequencer_class: 'vumi2.transports.smpp.sequencers.RedisSequencer' } }, 'sequencer_class: unknown class; must be one of vumi2.transports.smpp.sequencers.InMemorySequencer, memory, redis; got "vumi2.transports.smpp.sequencers.RedisSequencer"'],
    [
      'a codec',
      { file: { sm_processor_config: { data_coding_overrides: { OCTET_UNSPECIFIED: 'cp1252' } } } },
      'sm_processor_config.data_coding_overrides.OCTET_UNSPECIFIED: unknown codec; must be one of gsm0338, ascii, latin_1 (latin1, iso8859_1, iso-8859-1 …), utf_8 (utf8, utf-8), utf_16_be (utf-16-be), iso8859_5, iso8859_8, iso2022_jp; got "cp1252"',
    ],
    [
      'an override key',
      { file: { sm_processor_config: { data_coding_overrides: { LATIN1: 'latin1' } } } },
      'sm_processor_config.data_coding_overrides.LATIN1: unknown data_coding name; keys must be one of SMSC_DEFAULT_ALPHABET, IA5_ASCII, OCTET_UNSPECIFIED, LATIN_1, OCTET_UNSPECIFIED_COMMON, JIS, CYRILLIC, ISO_8859_8, UCS2, PICTOGRAM, ISO_2022_JP, EXTENDED_KANJI_JIS, KS_C_5601 or 0–255; got "latin1"',
    ],
    ['a status', { file: { dr_processor_config: { status_mapping: { DELIVRD: 'ok' } } } }, 'dr_processor_config.status_mapping.DELIVRD: must be one of pending, failed, delivered; got "ok"'],
    ['a regex without its groups', { file: { dr_processor_config: { regex: 'id:(?P<msgid>\\S+)' } } }, 'dr_processor_config.regex: must have the named groups (?P<id>…) and (?P<stat>…); missing id, stat; got "id:(?P<msgid>\\\\S+)"'],
    ['a regex that does not compile', { file: { dr_processor_config: { regex: 'id:(?P<id>' } } }, 'dr_processor_config.regex: not a regular expression we can run: '],
    ['two ways to say one thing', { file: { dr_processor_config: { kannel_msg_id_type: 3, message_id_format: 'hex' } } }, 'dr_processor_config.kannel_msg_id_type: give either kannel_msg_id_type or message_id_format, not both; got 3'],
    ['an amqp_url', { file: { amqp_url: 'http://user:pw@host/' } }, 'amqp_url: must be empty or an amqp:// or amqps:// URL; got "http://user:***@host/"'],
    ['two fields that disagree', { file: { reconnect_delay_initial: 10, reconnect_delay_max: 5 } }, 'reconnect_delay_max: must not be below reconnect_delay_initial'],
  ])('%s: one line naming the field and what is allowed', (_kind, sources, message) => {
    const err = configError(sources);
    expect(err.message).not.toContain('\n');
    expect(err.message.startsWith(message)).toBe(true);
    expect(err.field).toBe(message.split(':')[0]);
  });

  it('never shows a secret, only its length', () => {
    const err = configError({ file: { password: 'hunter2hunter2' } });
    expect(err.message).toBe('password: must be at most 8 characters; got 14 characters');
    const amqp = configError({ file: { amqp: { password: 42 } } });
    expect(amqp.message).toBe('amqp.password: must be a string; got number');
    const key = configError({ env: { tls: '-----BEGIN PRIVATE KEY-----MIIEv' } });
    expect(key.message).toBe('tls: must be true or false or a mapping; got 32 characters');
  });

  it('says where a value from the environment or a flag came from', async () => {
    const env = await loadError({ env: { SMPP_TRANSPORT_PORT: 'http' } });
    expect(env.message).toBe('port: must be a number; got "http" (from environment variable SMPP_TRANSPORT_PORT)');
    const flag = await loadError({ argv: ['--amqp-port', '99999'] });
    expect(flag.message).toBe('amqp.port: must be at most 65535; got 99999 (from flag --amqp-port)');
  });

  it('is only an error if it is the value that wins', async () => {
    const { config } = await loadTransportConfig({ env: { PORT: 'bad' }, argv: ['--port', '2775'] });
    expect(config.port).toBe(2775);
  });

  it('several bad fields: still one line, one complaint per field', () => {
    const err = configError({ file: { port: 'x', transport_name: '' } });
    expect(err.message).toBe('port: must be a number; got "x"; transport_name: must not be empty; got ""');
  });

  it('an unknown flag, or a flag without its value', async () => {
    expect((await loadError({ argv: ['--sytem-id', 'x'] })).message).toBe(
      'unknown option --sytem-id (did you mean --system-id?); every config field has a flag, see docs/configuration.md',
    );
    expect((await loadError({ argv: ['--host'] })).message).toBe('--host: needs a value');
    expect((await loadError({ argv: ['--host', '--port', '1'] })).message).toBe('--host: needs a value');
    expect((await loadError({ argv: ['a', 'b'] })).message).toBe('unexpected arguments: a b; flags start with --');
  });
});

describe('sequencer_config.block_size', () => {
  it('is 100 by default, taken from the file, the environment or a flag, and refused outside 1…1,000,000', async () => {
    expect(resolveTransportConfig({}).config.sequencer_config.block_size).toBe(100);
    expect(resolveTransportConfig({ file: { sequencer_config: { block_size: 1 } } }).config.sequencer_config.block_size).toBe(1);
    expect((await loadTransportConfig({ env: { SEQUENCER_CONFIG_BLOCK_SIZE: '500' } })).config.sequencer_config.block_size).toBe(500);
    expect((await loadTransportConfig({ argv: ['--sequencer-config-block-size', '7'], env: {} })).config.sequencer_config.block_size).toBe(7);
    for (const block_size of [0, 1.5, 1_000_001]) {
      expect(configError({ file: { sequencer_config: { block_size } } }).message).toContain('sequencer_config.block_size');
    }
  });
});

describe('unknown keys and unused fields', () => {
  it('warn, as vumi2 does, and do not stop the process', () => {
    const { config, warnings } = resolveTransportConfig({
      file: {
        hots: 'typo',
        amqp: { heartbeat: 30 },
        submit_sm_processor_config: { data_codng: 'UCS2' },
        sequencer_config: { anything: 1 },
        dr_processor_config: { status_mapping: { DELIVRD: 'delivered' }, extra: true },
      },
    });
    expect(config.host).toBe('localhost');
    expect(warnings).toEqual([
      'hots: unknown config key, ignored',
      'amqp.heartbeat: unknown config key, ignored',
      'submit_sm_processor_config.data_codng: unknown config key, ignored',
      'sequencer_config.anything: unknown config key, ignored',
      'dr_processor_config.extra: unknown config key, ignored',
    ]);
  });

  it('middlewares and sentry_dsn are accepted with a warning', () => {
    const { config, warnings } = resolveTransportConfig({
      file: {
        sentry_dsn: 'https://key@sentry.example/1',
        middlewares: [{ class_path: 'vumi2.middlewares.unidecoder.Unidecoder', enable_for_connectors: ['smpp'], outbound_enabled: true }],
      },
    });
    expect(config.middlewares).toHaveLength(1);
    expect(warnings).toEqual([
      'middlewares: not supported, ignored (vumi2.middlewares.unidecoder.Unidecoder)',
      'sentry_dsn: accepted but not used (no Sentry reporting)',
    ]);
  });

  it('interface_version 52 (what vumi2 needed to send 0x34) is read as 34', () => {
    const { config, warnings } = resolveTransportConfig({ file: { interface_version: 52 } });
    expect(config.interface_version).toBe(34);
    expect(warnings).toEqual(['interface_version: 52 read as 34 (SMPP 3.4, sent as 0x34; vumi2 needed 52 to send 0x34)']);
  });
});

describe('class paths', () => {
  it("map vumi2's dotted paths and the short names to our implementations", () => {
    const cases: [Record<string, string>, Record<string, string>][] = [
      [{ sequencer_class: 'vumi2.transports.smpp.sequencers.InMemorySequencer' }, { sequencer_class: 'memory' }],
      [{ sequencer_class: 'memory' }, { sequencer_class: 'memory' }],
      [{ sequencer_class: 'redis' }, { sequencer_class: 'redis' }],
      [{ sequencer_class: 'Redis' }, { sequencer_class: 'redis' }],
      [{ smpp_cache_class: 'vumi2.transports.smpp.smpp_cache.InMemorySmppCache' }, { smpp_cache_class: 'memory' }],
      [{ smpp_cache_class: 'redis' }, { smpp_cache_class: 'redis' }],
      [{ submit_sm_processor_class: 'vumi2.transports.smpp.processors.SubmitShortMessageProcessor' }, { submit_sm_processor_class: 'default' }],
      [{ sm_processor_class: 'vumi2.transports.smpp.processors.ShortMessageProcessor' }, { sm_processor_class: 'default' }],
      [{ dr_processor_class: 'vumi2.transports.smpp.processors.DeliveryReportProcesser' }, { dr_processor_class: 'default' }],
    ];
    for (const [file, expected] of cases) expect(resolveTransportConfig({ file }).config).toMatchObject(expected);
  });

  it('an unknown one is an error naming it', () => {
    const err = configError({ file: { dr_processor_class: 'vumi2.transports.smpp.processors.DeliveryReportProcessor' } });
    expect(err.message).toBe(
      'dr_processor_class: unknown class; must be one of vumi2.transports.smpp.processors.DeliveryReportProcesser, default; got "vumi2.transports.smpp.processors.DeliveryReportProcessor"',
    );
    expect(configError({ file: { smpp_cache_class: 'constructor' } }).field).toBe('smpp_cache_class');
  });
});

describe('Python codec names', () => {
  it('map to what the inbound processor decodes with', () => {
    const expected: Record<string, number | 'utf-8'> = {
      ascii: 1,
      'US-ASCII': 1,
      latin1: 3,
      latin_1: 3,
      'latin-1': 3,
      iso8859_1: 3,
      'iso-8859-1': 3,
      'ISO8859-1': 3,
      'utf-8': 'utf-8',
      utf8: 'utf-8',
      UTF_8: 'utf-8',
      utf_16_be: 8,
      'utf-16-be': 8,
      'UTF-16BE': 8,
      gsm0338: 0,
      iso8859_5: 6,
      'iso-8859-5': 6,
      iso8859_8: 7,
      iso2022_jp: 5,
      'iso-2022-jp': 5,
    };
    for (const [name, decodeAs] of Object.entries(expected)) expect(pythonCodec(name)).toBe(decodeAs);
    for (const unknown of ['cp1252', 'utf-16', 'ucs2', 'constructor', '']) expect(pythonCodec(unknown)).toBeUndefined();
  });

  it('overrides take DataCodingDefault names or integers as keys', () => {
    const { config } = resolveTransportConfig({ file: parseYaml('sm_processor_config:\n  data_coding_overrides:\n    8: utf-16-be\n    ucs2: utf8\n    0xF0: gsm0338\n') as unknown });
    expect(config.sm_processor_config.data_coding_overrides).toEqual({ 8: 'utf-8', 0xf0: 0 });
  });
});

describe('delivery report additions', () => {
  it('accepted_status sets ACCEPTD over the default or a given mapping', () => {
    expect(resolveTransportConfig({}).config.dr_processor_config.status_mapping.ACCEPTD).toBe(DEFAULT_STATUS_MAPPING.ACCEPTD);
    expect(resolveTransportConfig({ file: { dr_processor_config: { accepted_status: 'pending' } } }).config.dr_processor_config.status_mapping.ACCEPTD).toBe('pending');
    const given = resolveTransportConfig({ file: { dr_processor_config: { status_mapping: { ACCEPTD: 'failed' }, accepted_status: 'delivered' } } });
    expect(given.config.dr_processor_config.status_mapping).toEqual({ ACCEPTD: 'delivered' });
  });

  it("Kannel's msg-id-type and message_id_format give the id profile", () => {
    const profile = (dr: Record<string, unknown>) => resolveTransportConfig({ file: { dr_processor_config: dr } }).config.dr_processor_config.message_id_profile;
    expect(profile({ kannel_msg_id_type: 0 })).toMatchObject({ submit: { base: 'decimal' }, receipt: { base: 'decimal' } });
    expect(profile({ kannel_msg_id_type: 1 })).toMatchObject({ submit: { base: 'hex' }, receipt: { base: 'decimal' } });
    expect(profile({ kannel_msg_id_type: 2 })).toMatchObject({ submit: { base: 'decimal' }, receipt: { base: 'hex' } });
    expect(profile({ message_id_format: 'hex', message_id_strip_leading_zeros: false })).toEqual({
      submit: { base: 'hex', caseFold: true, stripLeadingZeros: false },
      receipt: { base: 'hex', caseFold: true, stripLeadingZeros: false },
    });
    expect(profile({ message_id_format: { delivery_report: 'decimal' } })).toMatchObject({ submit: { base: 'opaque' }, receipt: { base: 'decimal' } });
  });
});

describe('redaction', () => {
  it('hides every password and the TLS key, and keeps the rest', () => {
    const { config } = resolveTransportConfig({
      file: {
        password: 'smpppw',
        amqp: { password: 'amqppass' },
        amqp_url: 'amqp://vumi:urlpass@rabbit:5672/vhost',
        redis: { url: 'redis://:redispass@redis:6379/2' },
        sentry_dsn: 'https://sentrykey@sentry.example/1',
        tls: { key: '-----BEGIN PRIVATE KEY-----xyz', cert: 'CERT' },
      },
    });
    const redacted = redactedTransportConfig(config);
    const text = JSON.stringify(redacted);
    for (const secret of ['smpppw', 'amqppass', 'urlpass', 'redispass', 'sentrykey', 'PRIVATE KEY']) expect(text).not.toContain(secret);
    expect(redacted).toMatchObject({
      password: '[redacted]',
      amqp: { password: '[redacted]', username: 'guest' },
      amqp_url: 'amqp://vumi:***@rabbit:5672/vhost',
      redis: { url: 'redis://:***@redis:6379/2' },
      sentry_dsn: 'https://***@sentry.example/1',
      tls: { key: '[redacted]', cert: 'CERT' },
      host: 'localhost',
    });
    expect(typeof (redacted.dr_processor_config as { regex: unknown }).regex).toBe('string');
    // The config itself is untouched.
    expect(config.password).toBe('smpppw');
  });
});

describe('docs/configuration.md', () => {
  it('documents every field', async () => {
    const doc = await readFile(new URL('../../docs/configuration.md', import.meta.url), 'utf8');
    const missing = TRANSPORT_CONFIG_FIELDS.filter((f) => !doc.includes(`\`${f.name}\``)).map((f) => f.name);
    expect(missing).toEqual([]);
  });
});
