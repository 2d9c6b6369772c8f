/**
 * The admin listener: `[admin] Host:Port` after this node's address indirection, HTTPS when a
 * certificate and key are configured. Closing stops accepting, lets requests in flight finish
 * for a moment, then drops what is left.
 */
import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { joinHostPort, splitHostPort } from '../config/address.js';
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
export function listenAddress(ctx: GatewayContext): { host: string; port: number } {
  const { host, port } = ctx.config.admin;
  const configured = joinHostPort(host, port);
  const resolved = ctx.config.indirection.resolve(configured);
  const hp = splitHostPort(resolved);
  if (hp === undefined) throw new Error(`admin address ${resolved} (from ${configured}) is not host:port`);
  return { host: hp.host, port: hp.port === undefined ? port : Number(hp.port) };
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

  const { host, port } = listenAddress(ctx);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
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
