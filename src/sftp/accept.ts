/**
 * What happens to a TCP connection before SSH sees it: the PROXY protocol v2 header when the
 * server expects one from a trusted load balancer, and the cluster-wide login ban.
 *
 * PROXY (`protoConfig.proxyProtocol: true`): a connection from `[admin] TrustedProxies` must
 * start with a v2 header, whose source address becomes the client's (logs, allow-lists, bans,
 * transfer records); a LOCAL header (the proxy's own check) keeps the peer address. Any other
 * connection is plain SSH, and one that starts with a PROXY header anyway is dropped: a client
 * must never choose its own address.
 */
import type { Socket } from 'node:net';
import { ProxyProtocolError, readProxyHeader } from '../cluster/proxy-protocol.js';
import type { GatewayContext } from '../gateway/context.js';
import type { Server } from '../model/entities.js';
import { isTrustedProxy, proxyProtocolEnabled } from '../model/proxy-trust.js';
import { normalizeIp } from '../util/ip.js';

const headerTimeoutMs = 5000;
/** How long to wait for an untrusted client's first bytes before handing it to SSH anyway. */
const peekMs = 300;

/**
 * Resolves to the client's address, with the socket ready for SSH (unread bytes put back), or
 * to undefined when the connection must be dropped (already logged).
 */
export async function acceptConnection(
  ctx: GatewayContext,
  server: Server,
  socket: Socket,
): Promise<string | undefined> {
  const peer = normalizeIp(socket.remoteAddress ?? '');
  const log = ctx.log.child({ component: 'sftp', server: server.name, peer });
  let client = peer;
  if (proxyProtocolEnabled(server.protoConfig)) {
    if (isTrustedProxy(peer, ctx.config.admin.trustedProxies)) {
      try {
        const header = await readProxyHeader(socket, headerTimeoutMs);
        if (header.command === 'proxy' && header.source !== undefined)
          client = normalizeIp(header.source.address);
      } catch (err) {
        log.warn(
          { err: (err as Error).message },
          'dropped: bad or missing PROXY header from a trusted proxy',
        );
        return undefined;
      }
    } else if (await startsWithProxySignature(socket)) {
      log.warn('dropped: PROXY header from a source that is not a trusted proxy');
      return undefined;
    }
  }
  if (ctx.config.security.maxLoginFailures > 0) {
    const until = await ctx.stores.bans.bannedUntil(client, ctx.now());
    if (until !== undefined) {
      log.info(
        { client, until: new Date(until).toISOString() },
        'dropped: address banned after failed logins',
      );
      return undefined;
    }
  }
  return client;
}

/** Peeks at the first bytes (put back afterwards): 0x0D 0x0A is how a v2 header starts. */
function startsWithProxySignature(socket: Socket): Promise<boolean> {
  return new Promise((resolve) => {
    const done = (first: Buffer | undefined): void => {
      clearTimeout(timer);
      socket.off('data', onData);
      socket.pause();
      if (first !== undefined) socket.unshift(first);
      resolve(first !== undefined && first[0] === 0x0d && first[1] === 0x0a);
    };
    const onData = (chunk: Buffer): void => done(chunk);
    const timer = setTimeout(() => done(undefined), peekMs);
    socket.on('data', onData);
    socket.resume();
  });
}

export { ProxyProtocolError };
