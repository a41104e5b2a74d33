/**
 * `serve`'s HTTP server (node:http): the webhook router on `POST /webhooks/<provider>`,
 * `GET /healthz` with the queue's state, and a graceful stop: no new connections, and 503 at once
 * for a delivery on a connection still open (the registry delivers again later), the queue
 * drained within the grace period (what is left then is aborted and handed back), then the
 * sockets closed.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { InProcessQueue } from './in-process-queue.ts';
import type { Log } from '../../ports/telemetry.ts';
import {
  MAX_WEBHOOK_BODY_BYTES,
  webhookBodyLimit,
  type HttpRequest,
  type HttpResponse,
  type WebhookRouter,
} from '../../ports/http.ts';

export interface LocalServerOptions {
  readonly port: number;
  /** @default '127.0.0.1': this machine only; '0.0.0.0' is a choice to make, not a default. */
  readonly host?: string;
  readonly router: WebhookRouter;
  readonly queue: InProcessQueue;
  readonly log: Log;
  /** The endpoint's limit; GitHub's path keeps its larger own (`webhookBodyLimit`). @default MAX_WEBHOOK_BODY_BYTES */
  readonly maxBodyBytes?: number;
  /**
   * Pushes waiting in the queue past which a delivery is answered 503 (the registry delivers it
   * again later) instead of growing the process without bound.
   * @default 10 000
   */
  readonly maxQueued?: number;
  /** Open connections past which new ones are refused. @default 1 024 */
  readonly maxConnections?: number;
}

export interface LocalServer {
  readonly port: number;
  /** `http://<host>:<port>` (127.0.0.1 when listening on every interface). */
  readonly url: string;
  /**
   * Stops taking requests, applies what was accepted within `timeoutMs`, then aborts and hands
   * back the rest; false when something was handed back.
   */
  close(timeoutMs?: number): Promise<boolean>;
}

export async function startLocalServer(options: LocalServerOptions): Promise<LocalServer> {
  const maxBodyBytes = options.maxBodyBytes ?? MAX_WEBHOOK_BODY_BYTES;
  const { log, queue } = options;
  let draining = false;

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      log.error('request failed', { path: pathOf(req), error: (error as Error).message });
      if (!res.headersSent) send(res, { status: 500, headers: {}, body: '{"error":"internal error"}\n' });
      else res.destroy();
    });
  });
  // Registries keep connections open between deliveries; a stop must not wait for them.
  server.keepAliveTimeout = 5_000;
  server.maxConnections = options.maxConnections ?? 1_024;
  server.requestTimeout = 30_000;

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://serve.invalid');
    if (url.pathname === '/healthz') {
      await discard(req);
      const stats = queue.stats();
      return send(res, {
        status: draining ? 503 : 200,
        headers: { 'content-type': 'application/json' },
        body: `${JSON.stringify({ status: draining ? 'draining' : 'ok', idle: queue.isIdle, queue: stats })}\n`,
      });
    }
    if (draining) {
      req.resume();
      res.setHeader('connection', 'close');
      return send(res, {
        status: 503,
        headers: { 'content-type': 'application/json', 'retry-after': '30' },
        body: '{"error":"shutting down; deliver again later"}\n',
      });
    }
    const waiting = queue.stats().queued;
    if (waiting >= (options.maxQueued ?? 10_000)) {
      req.resume();
      return send(res, {
        status: 503,
        headers: { 'content-type': 'application/json', 'retry-after': '10' },
        body: `${JSON.stringify({ error: `${waiting} pushes are waiting; deliver again later` })}\n`,
      });
    }
    const declared = Number(req.headers['content-length'] ?? '0');
    const limit = webhookBodyLimit(url.pathname, maxBodyBytes);
    // Over the limit: answered without buffering; the rest of the body is read and dropped.
    const body = declared > limit ? tooLarge(req, limit) : await readBody(req, limit);
    const response = await options.router(requestOf(req, url, body));
    if (body.length > limit) res.setHeader('connection', 'close');
    send(res, response);
  }

  const address = await listen(server, options.port, options.host ?? '127.0.0.1');
  const shownHost = shownHostOf(address);

  return {
    port: address.port,
    url: `http://${shownHost}:${address.port}`,
    async close(timeoutMs = 20_000) {
      draining = true;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      const { drained, handedBack } = await queue.stop(timeoutMs);
      server.closeAllConnections();
      await closed;
      return drained && handedBack === 0;
    },
  };
}

function requestOf(req: IncomingMessage, url: URL, body: Buffer): HttpRequest {
  const headers: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(req.headers))
    headers[name] = Array.isArray(value) ? value.join(', ') : value;
  const query: Record<string, string | undefined> = {};
  for (const [name, value] of url.searchParams) query[name] ??= value;
  return { method: req.method ?? 'GET', path: url.pathname, headers, query, body };
}

async function listen(server: Server, port: number, host: string): Promise<AddressInfo> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return server.address() as AddressInfo;
}

/** Where a client on this machine reaches the server: 127.0.0.1 for every interface. */
function shownHostOf(address: AddressInfo): string {
  if (address.address === '0.0.0.0' || address.address === '::') return '127.0.0.1';
  return address.address.includes(':') ? `[${address.address}]` : address.address;
}

function send(res: ServerResponse, response: HttpResponse): void {
  res.writeHead(response.status, { ...response.headers, 'content-length': Buffer.byteLength(response.body) });
  res.end(response.body);
}

function tooLarge(req: IncomingMessage, limit: number): Buffer {
  req.resume();
  return Buffer.alloc(limit + 1);
}

/**
 * The body, or its first `limit + 1` bytes as soon as it is larger: enough to answer 413 while
 * the rest is read and dropped.
 */
function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    req.on('data', (chunk: Buffer) => {
      if (done) return;
      chunks.push(chunk);
      size += chunk.length;
      if (size > limit) {
        done = true;
        resolve(Buffer.concat(chunks).subarray(0, limit + 1));
      }
    });
    req.on('end', () => {
      if (!done) resolve(Buffer.concat(chunks));
    });
    req.on('error', reject);
  });
}

async function discard(req: IncomingMessage): Promise<void> {
  for await (const _chunk of req) {
    // Read to the end so the connection can be reused.
  }
}

function pathOf(req: IncomingMessage): string {
  return (req.url ?? '/').split('?')[0] ?? '/';
}
