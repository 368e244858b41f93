import { lstat, unlink } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import type { BindState } from '../metrics.js';

/** One bind in the health report. Nothing from the configuration but its type and system_id: never a password. */
export interface BindHealth {
  bind: number;
  bind_type: string;
  system_id: string;
  state: BindState;
  /** Why the session is where it is (the statechart's last reason: "bind accepted", "connect timeout"…). */
  reason: string;
  /** Failed connection or bind attempts since the last successful bind. */
  attempt: number;
  in_flight: number;
  window_size: number;
  paused: boolean;
}

export interface HealthReport {
  health: 'ok' | 'down';
  bus: { connected: boolean };
  binds: BindHealth[];
}

/** What the server serves: the transport gives these. */
export interface HealthSource {
  health(): HealthReport;
  metrics(): Promise<string>;
  readonly metricsContentType: string;
}

/** Where to listen, from `http_bind`: vumi2's (hypercorn's) `host:port`, `[v6]:port` or `unix:/path`. */
export type ListenTarget = { host: string | undefined; port: number } | { path: string };

export function parseHttpBind(bind: string): ListenTarget {
  if (bind.startsWith('unix:')) return { path: bind.slice('unix:'.length) };
  const colon = bind.lastIndexOf(':');
  if (colon < 0) throw new Error(`http_bind: must be host:port, [v6]:port or unix:/path; got ${JSON.stringify(bind)}`);
  let host = bind.slice(0, colon);
  if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1);
  const port = Number(bind.slice(colon + 1));
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`http_bind: bad port in ${JSON.stringify(bind)}`);
  // ":8000" listens on every interface, as hypercorn does.
  return { host: host === '' ? undefined : host, port };
}

/**
 * The worker's HTTP endpoint (`http_bind`): `GET /health` answers 200 with `"health": "ok"` when
 * the bus is connected and at least one bind is bound, 500 with `"health": "down"` otherwise, both
 * with each bind's state; `GET /metrics` is the Prometheus text exposition. Anything else is 404
 * (405 for another method on those paths).
 */
export class HealthServer {
  private readonly server: Server;
  private listening: ListenTarget | undefined;

  constructor(
    private readonly source: HealthSource,
    private readonly logger: Logger,
  ) {
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((err: unknown) => {
        this.logger.warn({ err }, 'HTTP request failed');
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' });
        res.end('internal error\n');
      });
    });
  }

  /** Listens on `bind` (see parseHttpBind); resolves once listening. */
  async listen(bind: string): Promise<void> {
    const target = parseHttpBind(bind);
    if ('path' in target) await removeStaleSocket(target.path);
    await new Promise<void>((resolve, reject) => {
      const onError = (err: Error) => reject(err);
      this.server.once('error', onError);
      const done = () => {
        this.server.off('error', onError);
        resolve();
      };
      if ('path' in target) this.server.listen(target.path, done);
      else if (target.host === undefined) this.server.listen(target.port, done);
      else this.server.listen(target.port, target.host, done);
    });
    this.server.on('error', (err) => this.logger.warn({ err }, 'HTTP server error'));
    this.listening = target;
    this.logger.info({ http: this.address }, 'serving /health and /metrics');
  }

  /** Where it listens, as http_bind would say it (the actual port when 0 was asked for); undefined when not listening. */
  get address(): string | undefined {
    if (this.listening === undefined) return undefined;
    if ('path' in this.listening) return `unix:${this.listening.path}`;
    const info = this.server.address() as AddressInfo | null;
    if (info === null) return undefined;
    return info.family === 'IPv6' ? `[${info.address}]:${info.port}` : `${info.address}:${info.port}`;
  }

  /** Stops listening and drops open connections. */
  async close(): Promise<void> {
    if (this.listening === undefined) return;
    this.listening = undefined;
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeAllConnections();
    await closed;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (path !== '/health' && path !== '/metrics') {
      send(res, 404, 'application/json', JSON.stringify({ error: 'not found' }));
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('allow', 'GET, HEAD');
      send(res, 405, 'application/json', JSON.stringify({ error: 'method not allowed' }));
      return;
    }
    if (path === '/health') {
      const report = this.source.health();
      send(res, report.health === 'ok' ? 200 : 500, 'application/json', JSON.stringify(report), req.method === 'HEAD');
      return;
    }
    const text = await this.source.metrics();
    send(res, 200, this.source.metricsContentType, text, req.method === 'HEAD');
  }
}

function send(res: ServerResponse, status: number, contentType: string, body: string, headOnly = false): void {
  res.writeHead(status, { 'content-type': contentType, 'content-length': Buffer.byteLength(body), 'cache-control': 'no-store' });
  res.end(headOnly ? undefined : body);
}

/** A socket file left by a process that died is removed; anything else at the path is left, and listen fails. */
async function removeStaleSocket(path: string): Promise<void> {
  try {
    if ((await lstat(path)).isSocket()) await unlink(path);
  } catch {
    // Nothing there.
  }
}
