/**
 * One SSH connection to a listener: authentication, then only `session` channels running the
 * `sftp` subsystem (ssh2 rejects everything else: shells, exec, forwarding). Errors of one
 * connection are logged and end it; they never reach the process.
 */
import type { GatewayContext } from '../gateway/context.js';
import type { Logger } from '../log.js';
import type { LocalAccount, Server } from '../model/entities.js';
import type { LoginBans } from '../security/login-bans.js';
import type { Startup } from './startup-limits.js';
import type { ServerTransfers } from '../transfer/server-transfers.js';
import { authenticate } from './auth.js';
import { Flow } from './flow.js';
import { normalizeIp } from '../util/ip.js';
import { SftpSession } from './session.js';
import type { AuthContext, ClientInfo, Connection, SFTPWrapper } from './ssh2.js';
import { socketOf } from './ssh2.js';

/** What the listener learnt about the client before SSH started. */
export interface Admitted {
  readonly bans: LoginBans;
  /** Failed SFTP logins already counted against the client's address. */
  readonly priorFailures: number;
  /** Its place among the connections waiting to log in (left once logged in). */
  readonly startup: Startup;
}

/** Failed attempts before the connection is dropped (OpenSSH's MaxAuthTries is 6). */
const maxAuthFailures = 6;
const methods: ('password' | 'publickey')[] = ['publickey', 'password'];

export class SftpConnection {
  readonly serverId: number;
  readonly closed: Promise<void>;
  readonly #sessions = new Set<SftpSession>();
  readonly #log: Logger;
  readonly #flow: Flow;
  readonly #ip: string;
  #account: LocalAccount | undefined;
  #failures = 0;
  /** A failed password was counted on this connection: a login here must forget it. */
  #countedFailure = false;
  #done!: () => void;

  constructor(
    private readonly ctx: GatewayContext,
    private readonly server: Server,
    private readonly transfers: ServerTransfers,
    private readonly conn: Connection,
    info: ClientInfo,
    private readonly admitted: Admitted,
  ) {
    this.serverId = server.id;
    this.#ip = normalizeIp(info.ip);
    this.#log = ctx.log.child({ component: 'sftp', server: server.name, remote: this.#ip });
    this.closed = new Promise((resolve) => (this.#done = resolve));
    const sock = socketOf(conn);
    // Without it every small reply waits for the client's delayed ACK: uploads crawl.
    sock?.setNoDelay(true);
    this.#flow = new Flow(sock, transfers.uploadBuffer);
    this.#flow.corkOnInput();
    conn.on('error', (err: Error) => this.#log.debug({ err }, 'connection error'));
    conn.on('authentication', (auth: AuthContext) => this.#authenticate(auth));
    conn.on('ready', () => this.#loggedIn());
    conn.on('session', (accept: () => unknown) => this.#session(accept));
    conn.on('close', () => {
      this.#flow.close();
      void this.#closeSessions();
    });
  }

  /** Ends the connection; resolves once its transfers are recorded as interrupted. */
  end(): Promise<void> {
    try {
      this.conn.end();
    } catch (err) {
      this.#log.debug({ err }, 'cannot end the connection');
    }
    return this.#closeSessions().then(() => this.closed);
  }

  #authenticate(auth: AuthContext): void {
    authenticate(this.ctx, this.server, this.#ip, auth)
      .then((outcome) => {
        if (outcome.kind === 'accept') {
          this.#account = outcome.account;
          // Forgotten before the client hears it is in, as failures are counted before it
          // hears the refusal: a client that logs in again at once finds its count clean.
          void this.#forgetFailures()
            .then(() => auth.accept())
            .catch((err: unknown) =>
              this.#log.debug({ err }, 'the client left before its login was answered'),
            );
        } else if (outcome.kind === 'key-ok') {
          auth.accept();
        } else {
          this.#rejected(auth);
        }
      })
      .catch((err: unknown) => {
        this.#log.error({ err }, 'authentication failed with an internal error');
        this.#rejected(auth);
      });
  }

  #rejected(auth: AuthContext): void {
    // `none` is how clients ask which methods exist: not a failure.
    if (auth.method !== 'none') {
      this.#failures++;
      this.#log.info({ user: auth.username, method: auth.method }, 'authentication refused');
    }
    // Passwords are what gets guessed; clients try several keys as a matter of course. The
    // failure is written before the client hears the refusal: a client that retries at once
    // (a new connection) must find its ban already in place.
    if (auth.method !== 'password') return this.#refuse(auth, false);
    void this.#countFailure()
      .then((banned) => this.#refuse(auth, banned))
      .catch((err: unknown) => this.#log.debug({ err }, 'the client left before its refusal was answered'));
  }

  #refuse(auth: AuthContext, banned: boolean): void {
    auth.reject(methods);
    if (banned || this.#failures >= maxAuthFailures) this.conn.end();
  }

  /** Counts a failed password; resolves to whether the address is now banned. */
  #countFailure(): Promise<boolean> {
    this.#countedFailure = true;
    return this.admitted.bans.failed(this.#ip, 'sftp').then(
      (until) => {
        if (until === undefined) return false;
        this.#log.warn({ until: new Date(until).toISOString() }, 'address banned after failed logins');
        return true;
      },
      (err: unknown) => {
        this.#log.warn({ err }, 'could not count a failed login');
        return false;
      },
    );
  }

  #loggedIn(): void {
    this.admitted.startup.end();
    this.#log.info({ user: this.#account?.login }, 'partner logged in');
  }

  #forgetFailures(): Promise<void> {
    // Every failure of this connection was written before its refusal was sent: none in flight.
    const hadFailures = this.admitted.priorFailures > 0 || this.#countedFailure;
    return this.admitted.bans
      .succeeded(this.#ip, 'sftp', hadFailures)
      .catch((err: unknown) => this.#log.warn({ err }, 'could not forget the failed logins'));
  }

  #session(accept: () => unknown): void {
    const account = this.#account;
    if (account === undefined) return;
    const session = accept() as {
      on(event: 'sftp', listener: (accept: () => unknown) => void): void;
      on(event: 'error', listener: (err: Error) => void): void;
    };
    session.on('error', (err) => this.#log.debug({ err }, 'session error'));
    session.on('sftp', (acceptSftp) => {
      try {
        const sftp = acceptSftp() as SFTPWrapper;
        const log = this.#log.child({ user: account.login });
        const peer = { server: this.server, account, remoteAddress: this.#ip };
        const s = new SftpSession(this.ctx, peer, this.transfers, sftp, this.#flow, log);
        this.#sessions.add(s);
        // A malformed packet makes ssh2 emit 'error' and close the channel: never unhandled.
        sftp.on('error', (err: Error) => log.info({ err }, 'SFTP protocol error: session closed'));
        s.attach();
        // OpenSSH's sftp waits for the channel to close at the end of a batch.
        sftp.on('end', () => sftp.end());
        sftp.on('close', () => void s.close());
      } catch (err) {
        this.#log.error({ err }, 'cannot start the SFTP session');
      }
    });
  }

  #closing: Promise<void> | undefined;

  #closeSessions(): Promise<void> {
    this.#closing ??= Promise.allSettled([...this.#sessions].map((s) => s.close())).then(() => {
      this.#log.debug('connection closed');
      this.#done();
    });
    return this.#closing;
  }
}
