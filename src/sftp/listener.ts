/** One ssh2 listener for one server row: host keys, algorithms and address fixed at start. */
import type { GatewayContext } from '../gateway/context.js';
import type { Server } from '../model/entities.js';
import { proxyProtocolProblem } from '../model/proxy-trust.js';
import { splitHostPort } from '../config/address.js';
import type { ServerTransfers } from '../transfer/server-transfers.js';
import { serverAlgorithms } from './algorithms.js';
import type { Admitted } from './connection.js';
import { SftpConnection } from './connection.js';
import { loadHostKeys } from './host-keys.js';
import type { ClientInfo, Connection } from './ssh2.js';
import { Server as SshServer, socketOf } from './ssh2.js';
import { acceptConnection } from './accept.js';
import { disconnectReason, refuseSsh } from './refuse.js';
import type { Startup, StartupLimits } from './startup-limits.js';
import { normalizeIp } from '../util/ip.js';
import { LoginBans } from '../security/login-bans.js';
import { createServer } from 'node:net';
import type { Server as NetServer, Socket } from 'node:net';

const tooManyOnNode = 'too many unauthenticated connections on this server; try again later';
const tooManyFromAddress =
  'too many unauthenticated connections from this address; log in on those first, or try again later';
/** For a connection the listener does not know (cannot happen with the ssh2 version checked in). */
const unknownStartup: Startup = { identify: () => true, end: () => undefined };

export interface ListenerInfo {
  server: string;
  address: string;
  port: number;
}

export class SftpListener {
  /** Accepts TCP; each socket goes through acceptConnection(), then to ssh2 (never listening itself). */
  readonly #tcp: NetServer;
  #closed: Promise<void> | undefined;

  private constructor(
    readonly server: Server,
    /** The address actually listened on (after indirection). */
    readonly bindAddress: string,
    tcp: NetServer,
  ) {
    this.#tcp = tcp;
  }

  /** Starts listening; `onConnection` receives every accepted connection. */
  static async start(
    ctx: GatewayContext,
    server: Server,
    transfers: ServerTransfers,
    startups: StartupLimits,
    onConnection: (c: SftpConnection) => void,
  ): Promise<SftpListener> {
    const bindAddress = ctx.config.indirection.resolve(server.address);
    const hp = splitHostPort(bindAddress);
    if (hp === undefined || hp.port === undefined) {
      throw new Error(`address "${bindAddress}" is not host:port`);
    }
    // Checked here, where each node reads the server row with its own configuration.
    const proxyProblem = proxyProtocolProblem(server.protoConfig, ctx.config.admin.trustedProxies);
    if (proxyProblem !== undefined) throw new Error(proxyProblem);
    const hostKeys = await loadHostKeys(ctx, server);
    const ident = `SSH-2.0-WaarpGatewayTS_${ctx.version}`;
    const bans = new LoginBans(ctx);
    /** What acceptConnection found out, for the SSH connection made on the socket. */
    const admitted = new WeakMap<Socket, Admitted>();
    const srv = new SshServer(
      { hostKeys, algorithms: serverAlgorithms(server.protoConfig), ident: ident.slice('SSH-2.0-'.length) },
      (conn: Connection, info: ClientInfo) => {
        try {
          const sock = socketOf(conn);
          const known = sock === undefined ? undefined : admitted.get(sock);
          const edge = known ?? { bans, priorFailures: 0, startup: unknownStartup };
          onConnection(new SftpConnection(ctx, server, transfers, conn, info, edge));
        } catch (err) {
          ctx.log.error({ err, server: server.name }, 'cannot handle a connection');
          conn.end();
        }
      },
    );
    srv.on('error', (err: Error) => ctx.log.error({ err, server: server.name }, 'listener error'));
    const refuse = (socket: Socket, reason: number, message: string): void =>
      refuseSsh(socket, ident, reason, message);
    const tcp = createServer({ pauseOnConnect: true }, (socket) => {
      socket.on('error', () => undefined);
      // The grace time runs from here, the PROXY header and the ban check included.
      const startup = startups.open(normalizeIp(socket.remoteAddress ?? ''), () => socket.destroy());
      if (startup === undefined) {
        refuse(socket, disconnectReason.tooManyConnections, tooManyOnNode);
        return;
      }
      socket.once('close', () => startup.end());
      acceptConnection(ctx, server, socket, bans).then(
        (admission) => {
          switch (admission.kind) {
            case 'drop':
              socket.destroy();
              return;
            case 'refuse':
              // No longer a login in waiting while the refusal lingers (a banned flood must not
              // fill MaxStartups).
              startup.end();
              refuse(socket, admission.reason, admission.message);
              return;
            case 'accept':
              if (!startup.identify(admission.client)) {
                refuse(socket, disconnectReason.tooManyConnections, tooManyFromAddress);
                return;
              }
              admitted.set(socket, { bans, priorFailures: admission.standing.failures, startup });
              // ssh2 reads the client's address from the socket: give it the real one.
              Object.defineProperty(socket, 'remoteAddress', { value: admission.client, configurable: true });
              srv.injectSocket(socket);
              socket.resume();
          }
        },
        (err: unknown) => {
          ctx.log.error({ err, server: server.name }, 'cannot accept a connection');
          socket.destroy();
        },
      );
    });
    await new Promise<void>((resolve, reject) => {
      tcp.once('error', reject);
      tcp.listen(Number(hp.port), hp.host, () => {
        tcp.off('error', reject);
        resolve();
      });
    });
    tcp.on('error', (err: Error) => ctx.log.error({ err, server: server.name }, 'listener error'));
    return new SftpListener(server, bindAddress, tcp);
  }

  info(): ListenerInfo {
    const a = this.#tcp.address();
    if (a === null || typeof a === 'string')
      return { server: this.server.name, address: this.bindAddress, port: 0 };
    return { server: this.server.name, address: a.address, port: a.port };
  }

  /**
   * Stops accepting connections; open ones are left alone. (net.Server's close callback waits
   * for every connection to end, so it is not awaited: the port is free once this resolves.)
   */
  close(): Promise<void> {
    this.#closed ??= new Promise((resolve) => {
      this.#tcp.close();
      setImmediate(resolve);
    });
    return this.#closed;
  }
}
