import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { EncodingError } from '../encoding/errors.js';
import type { Simulator } from './simulator.js';
import { moRequestSchema } from './mo.js';
import { describeConfigError } from './options.js';
import type { GarbageKind } from './simulator.js';

/** Request bodies are small JSON documents; anything larger is refused unread. */
const MAX_BODY = 64 * 1024;

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > MAX_BODY) throw new HttpError(413, `body over ${MAX_BODY} octets`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY) throw new HttpError(413, `body over ${MAX_BODY} octets`);
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') return {};
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new HttpError(400, 'body is not valid JSON');
  }
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const json = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(json) });
  res.end(json);
}

const GARBAGE_KINDS: readonly GarbageKind[] = ['unknown_command', 'bad_length', 'random'];

/**
 * The simulator's HTTP control surface:
 *
 * | method and path | does |
 * |---|---|
 * | POST /mo | inject an MO message: `{ from, to, text, data_coding?, multipart?, system_id? }` |
 * | GET /stats | counts per command and status, sessions by bind type |
 * | GET /faults | the faults in force |
 * | PUT or PATCH /faults | switch faults: any fields of GET /faults |
 * | DELETE /faults | all faults off |
 * | POST /faults/unbind | server-initiated unbind of every bound session |
 * | POST /faults/disconnect | drop every connection without an unbind |
 * | POST /faults/garbage | send a garbage frame: `{ kind?: 'unknown_command' \| 'bad_length' \| 'random' }` |
 * | POST /held/release | answer the oldest request held by the `hold` fault: `{ command: 'bind' \| 'enquire_link' \| 'unbind', command_status?: number }` |
 */
export function createHttpApi(simulator: Simulator): Server {
  const routes: Record<string, (req: IncomingMessage) => Promise<[number, unknown]>> = {
    'POST /mo': async (req) => {
      const parsed = moRequestSchema.safeParse(await readJson(req));
      if (!parsed.success) throw new HttpError(400, describeConfigError(parsed.error));
      return [202, { parts: simulator.injectMo(parsed.data) }];
    },
    'GET /stats': () => Promise.resolve([200, simulator.stats()]),
    'GET /faults': () => Promise.resolve([200, simulator.faults]),
    'PUT /faults': async (req) => [200, simulator.setFaults((await readJson(req)) as Record<string, unknown>)],
    'PATCH /faults': async (req) => [200, simulator.setFaults((await readJson(req)) as Record<string, unknown>)],
    'DELETE /faults': () => Promise.resolve([200, simulator.clearFaults()]),
    'POST /faults/unbind': async () => [200, { sessions: await simulator.unbindAll() }],
    'POST /faults/disconnect': () => Promise.resolve([200, { sessions: simulator.disconnectAll() }]),
    'POST /faults/garbage': async (req) => {
      const body = (await readJson(req)) as { kind?: unknown };
      const kind = body.kind ?? 'unknown_command';
      if (!GARBAGE_KINDS.includes(kind as GarbageKind)) {
        throw new HttpError(400, `kind must be one of ${GARBAGE_KINDS.join(', ')}`);
      }
      return [200, { sessions: simulator.sendGarbage(kind as GarbageKind) }];
    },
  };

  routes['POST /held/release'] = async (req) => {
    const body = (await readJson(req)) as { command?: unknown; command_status?: unknown };
    const kind = body.command;
    if (kind !== 'bind' && kind !== 'enquire_link' && kind !== 'unbind') {
      throw new HttpError(400, 'command must be one of bind, enquire_link, unbind');
    }
    const status = body.command_status ?? 0;
    if (typeof status !== 'number' || !Number.isInteger(status) || status < 0 || status > 0xffffffff) {
      throw new HttpError(400, 'command_status must be an integer from 0 to 4294967295');
    }
    return [200, { released: simulator.releaseHeld(kind, status) }];
  };

  return createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const route = routes[`${req.method} ${path}`];
    if (!route) {
      send(res, 404, { error: `no route ${req.method} ${path}` });
      return;
    }
    route(req).then(
      ([status, body]) => send(res, status, body),
      (err: unknown) => {
        const status =
          err instanceof HttpError
            ? err.status
            : err instanceof EncodingError || (err instanceof Error && err.name === 'SimulatorConfigError')
              ? 400
              : 500;
        send(res, status, { error: err instanceof Error ? err.message : String(err) });
      },
    );
  });
}
