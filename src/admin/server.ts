/**
 * The admin listener: `[admin] Host:Port` after this node's address indirection, HTTPS when a
 * certificate and key are configured. Closing stops accepting, lets requests in flight finish
 * for a moment, then drops what is left.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { joinHostPort, splitHostPort } from '../config/address.js';
import type { GatewayConfig } from '../config/types.js';
import { ExitCode, FatalError } from '../errors.js';
import type { GatewayContext } from '../gateway/context.js';
import { buildAdminApp } from './app.js';

export interface AdminServer {
  /** The address actually bound (e.g. `0.0.0.0`, `127.0.0.1`, `::`). */
  readonly address: string;
  readonly port: number;
  close(): Promise<void>;
}

const closeGraceMs = 2000;

/** The host and port to bind: the configured ones, through the node's indirection table. */
export function listenAddress(config: GatewayConfig): { host: string; port: number } {
  const { host, port } = config.admin;
  const configured = joinHostPort(host, port);
  const resolved = config.indirection.resolve(configured);
  const hp = splitHostPort(resolved);
  if (hp === undefined) throw new Error(`admin address ${resolved} (from ${configured}) is not host:port`);
  return { host: hp.host, port: hp.port === undefined ? port : Number(hp.port) };
}

const clientErrors: Record<string, [number, string, string]> = {
  HPE_HEADER_OVERFLOW: [431, 'E_TOO_LARGE', 'the request headers are larger than the server accepts'],
  ERR_HTTP_REQUEST_TIMEOUT: [408, 'E_BAD_REQUEST', 'the request took too long to arrive'],
};

/**
 * A request node's parser refuses (malformed, headers too large, too slow) gets the API's JSON
 * error shape too, instead of node's bare status line; then the connection is closed.
 */
function answerClientError(err: NodeJS.ErrnoException, socket: Duplex): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const [status, code, message] = clientErrors[err.code ?? ''] ?? [
    400,
    'E_BAD_REQUEST',
    'malformed HTTP request',
  ];
  const body = JSON.stringify({ error: { code, message, requestId: randomUUID() } });
  socket.end(
    `HTTP/1.1 ${status} ${http.STATUS_CODES[status] ?? 'Error'}\r\nContent-Type: application/json; charset=utf-8\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

/** Listens, or fails with the message an operator needs (the setting, the address, why). */
async function listen(server: net.Server, host: string, port: number): Promise<void> {
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why =
      code === 'EADDRINUSE'
        ? 'the address is already in use'
        : code === 'EADDRNOTAVAIL'
          ? 'no interface of this host has that address'
          : code === 'EACCES'
            ? 'permission denied (a port below 1024 needs privileges)'
            : (err as Error).message;
    throw new FatalError(
      `[admin] Port: cannot listen on ${joinHostPort(host, port)} (Host and Port, after address indirection): ${why}`,
      ExitCode.badConfigValue,
      { cause: err },
    );
  }
}

/**
 * Binds the admin address for a moment and lets it go, so that a busy port or an address this
 * host does not have stops the node before it opens the database. Port 0 is always free.
 */
export async function checkAdminAddress(config: GatewayConfig): Promise<void> {
  const { host, port } = listenAddress(config);
  if (port === 0) return;
  const probe = net.createServer();
  await listen(probe, host, port);
  await new Promise<void>((resolve) => probe.close(() => resolve()));
}

export async function startAdminServer(ctx: GatewayContext): Promise<AdminServer> {
  const log = ctx.log.child({ component: 'admin' });
  const app = buildAdminApp(ctx);
  const { tlsCert, tlsKey } = ctx.config.admin;
  const tls = tlsCert !== undefined && tlsKey !== undefined;
  const callback = app.callback();
  const handler = (req: http.IncomingMessage, res: http.ServerResponse): void => void callback(req, res);
  const server = tls
    ? https.createServer({ cert: readFileSync(tlsCert), key: readFileSync(tlsKey) }, handler)
    : http.createServer(handler);
  // Slow or idle clients must not hold sockets forever.
  server.headersTimeout = 30_000;
  server.requestTimeout = 120_000;
  server.on('clientError', answerClientError);

  const { host, port } = listenAddress(ctx.config);
  await listen(server, host, port);
  const bound = server.address() as AddressInfo;
  const scheme = tls ? 'https' : 'http';
  log.info({ url: `${scheme}://${joinHostPort(bound.address, bound.port)}` }, 'admin API listening');
  ctx.services.set('Admin', 'Running');

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> =>
    (closing ??= new Promise<void>((resolve) => {
      ctx.services.set('Admin', 'Offline', 'stopped');
      const force = setTimeout(() => server.closeAllConnections(), closeGraceMs);
      force.unref();
      server.close(() => {
        clearTimeout(force);
        log.info('admin API stopped');
        resolve();
      });
      server.closeIdleConnections();
    }));

  return { address: bound.address, port: bound.port, close };
}
