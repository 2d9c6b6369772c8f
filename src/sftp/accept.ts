/**
 * What happens to a TCP connection before SSH sees it: the PROXY protocol v2 header when the
 * server expects one from a trusted load balancer, and the cluster-wide login ban (a banned
 * client is told so by an SSH disconnect message, see refuse.ts).
 *
 * PROXY (`protoConfig.proxyProtocol: true`): a connection from `[admin] TrustedProxies` must
 * start with a v2 header, whose source address becomes the client's (logs, allow-lists, bans,
 * transfer records); a LOCAL header (the proxy's own check) keeps the peer address. Any other
 * connection is plain SSH, and one that starts with a PROXY header anyway is dropped: a client
 * must never choose its own address.
 */
import type { Socket } from 'node:net';
import { readProxyHeader } from './proxy-protocol.js';
import type { GatewayContext } from '../gateway/context.js';
import type { LoginStanding } from '../db/stores/bans.js';
import type { Server } from '../model/entities.js';
import { isTrustedProxy, proxyProtocolEnabled } from '../model/proxy-trust.js';
import type { LoginBans } from '../security/login-bans.js';
import { bannedMessage } from '../security/login-bans.js';
import { normalizeIp } from '../util/ip.js';
import { disconnectReason } from './refuse.js';

const headerTimeoutMs = 5000;
/** How long to wait for an untrusted client's first bytes before handing it to SSH anyway. */
const peekMs = 300;

/** What to do with a new connection. */
export type Admission =
  /** Hand it to SSH; `standing` is what the client's address has against it on SFTP. */
  | { kind: 'accept'; client: string; standing: LoginStanding }
  /** Close it without a word (already logged): a forger or a broken proxy learns nothing. */
  | { kind: 'drop' }
  /** Turn the SSH client away with a message it shows (already logged). */
  | { kind: 'refuse'; client: string; reason: number; message: string };

/**
 * Finds the client's address (the socket left ready for SSH, unread bytes put back) and whether
 * it may try to log in.
 */
export async function acceptConnection(
  ctx: GatewayContext,
  server: Server,
  socket: Socket,
  bans: LoginBans,
): Promise<Admission> {
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
        return { kind: 'drop' };
      }
    } else if (await startsWithProxySignature(socket)) {
      log.warn('dropped: PROXY header from a source that is not a trusted proxy');
      return { kind: 'drop' };
    }
  }
  const standing = await bans.standing(client, 'sftp');
  if (standing.bannedUntil !== undefined) {
    log.info(
      { client, until: new Date(standing.bannedUntil).toISOString() },
      'refused: address banned after failed logins',
    );
    const message = bannedMessage(standing.bannedUntil, ctx.now());
    return { kind: 'refuse', client, reason: disconnectReason.hostNotAllowed, message };
  }
  return { kind: 'accept', client, standing };
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
