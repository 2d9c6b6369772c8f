/**
 * A real MariaDB server for tests, private to the test process.
 *
 * `startMariaDb()` starts ONE server per process on first use (the data directory is made by
 * `mariadb-install-db`, a second or so) and hands out leases on it; each test or suite takes a
 * fresh database with `createDatabase()`. The server lives until the process exits. A detached
 * watchdog kills it and removes its files if the process dies without running its exit hooks
 * (SIGKILL, Ctrl-C), so no `mariadbd` outlives the tests.
 *
 * `WAARP_TEST_MYSQL_URL=mysql://user:pass@127.0.0.1:3306` uses that server instead (the user
 * must be allowed to create and drop databases); leases then drop their databases on stop().
 *
 * Tuned for speed, not durability: no doublewrite, no fsync on commit, a small buffer pool.
 * WAARP_TEST_KEEP_TMP=1 keeps the server's directory (error.log) after the tests;
 * WAARP_TEST_MARIADB_BINDIR=/dir looks for mariadbd and mariadb-install-db there only.
 */
import type { ChildProcess } from 'node:child_process';
import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import mysql from 'mysql2/promise';

export interface StartedMariaDb extends AsyncDisposable {
  readonly host: string;
  readonly port: number;
  /** A user with every privilege on the server (it creates and drops databases). */
  readonly user: string;
  readonly password: string;
  /** `host:port`, the form `MysqlOptions.address` and the gateway's `[Database] Address` take. */
  readonly address: string;
  /** True when the server came from WAARP_TEST_MYSQL_URL. */
  readonly external: boolean;
  /**
   * Creates a database and returns its name: `name` exactly when given (it must not exist),
   * else a fresh unique one. utf8mb4 / utf8mb4_bin, as the gateway's tables.
   */
  createDatabase(name?: string): Promise<string>;
  dropDatabase(name: string): Promise<void>;
  /** `kill -9` of the server (only a server of its own: `startPrivateMariaDb()`). */
  crash(): Promise<void>;
  /** Starts the server again on the same data and port, after `crash()`; waits until it answers. */
  restart(): Promise<void>;
  /**
   * Idempotent. A lease on the shared server: drops the databases it created when the server
   * is external (a private server is thrown away whole at exit). A private server: stops it.
   */
  stop(): Promise<void>;
}

interface ServerInfo {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password: string;
  readonly external: boolean;
}

const testUser = 'waarp';
const readyTimeoutMs = 60_000;
const stopTimeoutMs = 30_000;

let shared: Promise<ServerInfo> | undefined;
let sharedServer: PrivateServer | undefined;
let dbCounter = 0;

/** A lease on this process's shared server (started on first call), or on WAARP_TEST_MYSQL_URL. */
export async function startMariaDb(): Promise<StartedMariaDb> {
  if (shared === undefined) {
    const url = process.env.WAARP_TEST_MYSQL_URL;
    const starting = url !== undefined && url !== '' ? connectExternal(url) : startShared();
    shared = starting;
    // A failed start is not cached: the next caller gets the error afresh, not a stale one.
    starting.catch(() => {
      if (shared === starting) shared = undefined;
    });
  }
  return lease(await shared, undefined);
}

/**
 * A server of its own (never the external one), for tests that stop or kill the database.
 * Its stop() shuts it down. Costs a server start (about a second): prefer `startMariaDb()`.
 */
export async function startPrivateMariaDb(): Promise<StartedMariaDb> {
  const server = await PrivateServer.launch();
  return lease(server.info, server);
}

/** Stops the shared server now (it is stopped at process exit anyway). */
export async function stopSharedMariaDb(): Promise<void> {
  const server = sharedServer;
  shared = undefined;
  sharedServer = undefined;
  await server?.stop();
}

async function startShared(): Promise<ServerInfo> {
  const server = await PrivateServer.launch();
  sharedServer = server;
  return server.info;
}

function lease(info: ServerInfo, owned: PrivateServer | undefined): StartedMariaDb {
  const created = new Set<string>();
  let stopping: Promise<void> | undefined;
  const handle: StartedMariaDb = {
    host: info.host,
    port: info.port,
    user: info.user,
    password: info.password,
    address: `${info.host}:${info.port}`,
    external: info.external,
    async createDatabase(name?: string): Promise<string> {
      const db = name ?? `waarp_t${process.pid}_${++dbCounter}_${randomBytes(3).toString('hex')}`;
      checkName(db);
      await admin(info, (c) =>
        c.query(`CREATE DATABASE \`${db}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin`),
      );
      created.add(db);
      return db;
    },
    async dropDatabase(name: string): Promise<void> {
      checkName(name);
      await admin(info, (c) => c.query(`DROP DATABASE IF EXISTS \`${name}\``));
      created.delete(name);
    },
    async crash(): Promise<void> {
      if (owned === undefined) throw new Error('crash() needs a server of its own (startPrivateMariaDb)');
      await owned.crash();
    },
    async restart(): Promise<void> {
      if (owned === undefined) throw new Error('restart() needs a server of its own (startPrivateMariaDb)');
      await owned.restart();
    },
    stop(): Promise<void> {
      stopping ??= (async () => {
        if (owned !== undefined) return owned.stop();
        if (!info.external || created.size === 0) return;
        const names = [...created];
        created.clear();
        await admin(info, async (c) => {
          for (const n of names) await c.query(`DROP DATABASE IF EXISTS \`${n}\``);
        });
      })();
      return stopping;
    },
    [Symbol.asyncDispose]: () => handle.stop(),
  };
  return handle;
}

function checkName(name: string): void {
  if (!/^[A-Za-z0-9_]{1,64}$/.test(name)) throw new Error(`bad test database name "${name}"`);
}

async function admin<T>(info: ServerInfo, fn: (c: mysql.Connection) => Promise<T>): Promise<T> {
  // One short connection per call: nothing stays open to keep the test process alive.
  const c = await mysql.createConnection({
    host: info.host,
    port: info.port,
    user: info.user,
    password: info.password,
    connectTimeout: 5000,
  });
  try {
    return await fn(c);
  } finally {
    await c.end().catch(() => c.destroy());
  }
}

async function connectExternal(url: string): Promise<ServerInfo> {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new Error('WAARP_TEST_MYSQL_URL is not a URL (want mysql://user:pass@127.0.0.1:3306)');
  }
  if (u.protocol !== 'mysql:' && u.protocol !== 'mariadb:') {
    throw new Error('WAARP_TEST_MYSQL_URL must be a mysql:// URL');
  }
  // Tests talk to local servers only.
  if (u.hostname !== '127.0.0.1' && u.hostname !== 'localhost') {
    throw new Error(`WAARP_TEST_MYSQL_URL must name 127.0.0.1 or localhost, not ${u.hostname}`);
  }
  const info: ServerInfo = {
    host: u.hostname,
    port: u.port === '' ? 3306 : Number(u.port),
    user: decodeURIComponent(u.username),
    password: decodeURIComponent(u.password),
    external: true,
  };
  try {
    await admin(info, (c) => c.query('SELECT 1'));
  } catch (err) {
    throw new Error(`cannot reach WAARP_TEST_MYSQL_URL (${info.user}@${info.host}:${info.port})`, {
      cause: err,
    });
  }
  return info;
}

/** Every private server of this process, killed at exit if still running. */
const running = new Set<PrivateServer>();
process.on('exit', () => {
  for (const s of running) s.killSync();
});

class PrivateServer {
  #stopping: Promise<void> | undefined;

  private constructor(
    readonly info: ServerInfo,
    readonly dir: string,
    private child: ChildProcess,
    private watchdog: ChildProcess,
    private readonly relaunch: () => ChildProcess,
  ) {}

  static async launch(): Promise<PrivateServer> {
    const mariadbd = findBinary(['mariadbd', 'mysqld']);
    const installDb = findBinary(['mariadb-install-db', 'mysql_install_db']);
    if (mariadbd === undefined || installDb === undefined) {
      throw new Error(
        'MariaDB is not installed (no mariadbd / mariadb-install-db): install mariadb-server (Debian) — .ci/run does it',
      );
    }
    const dir = await mkdtemp(join(tmpdir(), 'waarp-test-mariadb-'));
    try {
      return await PrivateServer.#launchIn(dir, mariadbd, installDb);
    } catch (err) {
      if (process.env.WAARP_TEST_KEEP_TMP !== '1') await rm(dir, { recursive: true, force: true });
      throw err;
    }
  }

  static async #launchIn(dir: string, mariadbd: string, installDb: string): Promise<PrivateServer> {
    const dataDir = join(dir, 'data');
    const socket = join(dir, 'mysql.sock');
    const log = join(dir, 'error.log');
    await mkdir(join(dir, 'tmp'));
    // mariadbd refuses to run as root unless told to; as another user --user is not needed.
    const userArgs = process.getuid?.() === 0 ? ['--user=root'] : [];
    const innodb = [
      '--innodb-buffer-pool-size=64M',
      '--innodb-log-file-size=16M',
      '--innodb-flush-log-at-trx-commit=2',
      '--innodb-doublewrite=0',
    ];
    try {
      await execFileText(installDb, [
        '--no-defaults',
        `--datadir=${dataDir}`,
        ...userArgs,
        '--auth-root-authentication-method=normal',
        '--skip-test-db',
        '--skip-name-resolve',
        // Its bootstrap server's temporary tables go to /tmp otherwise, where another server
        // starting at the same time (a parallel test file) may delete them as stale.
        `--tmpdir=${join(dir, 'tmp')}`,
        ...innodb,
      ]);
    } catch (err) {
      throw new Error(`mariadb-install-db failed in ${dir}`, { cause: err });
    }

    for (let attempt = 1; ; attempt++) {
      // A free port can be taken by someone else before mariadbd binds it: retry on that.
      const port = await freePort();
      const launch = (): ChildProcess => {
        const child = spawn(mariadbd, serverArgs(dir, port, userArgs, innodb), { stdio: 'ignore' });
        // The server must not keep the test process alive; exit hooks and the watchdog end it.
        child.unref();
        return child;
      };
      const child = launch();
      const watchdog = startWatchdog(child, dir);
      try {
        await waitReady(child, socket, log);
      } catch (err) {
        child.kill('SIGKILL');
        watchdog.kill('SIGKILL');
        if (attempt < 3 && /address already in use/i.test(readTail(log))) continue;
        throw err;
      }
      const password = randomBytes(12).toString('hex');
      await withRootConnection(socket, async (c) => {
        for (const host of ['127.0.0.1', 'localhost']) {
          await c.query('CREATE USER ?@? IDENTIFIED BY ?', [testUser, host, password]);
          await c.query('GRANT ALL PRIVILEGES ON *.* TO ?@?', [testUser, host]);
        }
      });
      const server = new PrivateServer(
        { host: '127.0.0.1', port, user: testUser, password, external: false },
        dir,
        child,
        watchdog,
        launch,
      );
      running.add(server);
      return server;
    }
  }

  /** kill -9, as a crash of the database host's process would be. */
  async crash(): Promise<void> {
    const child = this.child;
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.ref();
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGKILL');
    await exited;
    this.watchdog.kill('SIGKILL');
  }

  /** The same server again (data, port, users): InnoDB recovers what was committed. */
  async restart(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null)
      throw new Error('mariadbd still runs');
    this.child = this.relaunch();
    this.watchdog = startWatchdog(this.child, this.dir);
    await waitReady(this.child, join(this.dir, 'mysql.sock'), join(this.dir, 'error.log'));
  }

  stop(): Promise<void> {
    this.#stopping ??= (async () => {
      const child = this.child;
      if (child.exitCode === null && child.signalCode === null) {
        // Keep the process alive while we wait for the server to go.
        child.ref();
        const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), stopTimeoutMs);
        await exited;
        clearTimeout(timer);
      }
      running.delete(this);
      this.watchdog.kill('SIGKILL');
      if (process.env.WAARP_TEST_KEEP_TMP !== '1') {
        await rm(this.dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 50 });
      }
    })();
    return this.#stopping;
  }

  /** At process exit (synchronous): kill, remove the files; the watchdog sweeps again later. */
  killSync(): void {
    running.delete(this);
    this.child.kill('SIGKILL');
    if (process.env.WAARP_TEST_KEEP_TMP === '1') return;
    try {
      rmSync(this.dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 20 });
    } catch {
      // The watchdog removes it a second later.
    }
  }
}

function serverArgs(dir: string, port: number, userArgs: string[], innodb: string[]): string[] {
  return [
    '--no-defaults',
    ...userArgs,
    `--datadir=${join(dir, 'data')}`,
    `--socket=${join(dir, 'mysql.sock')}`,
    `--port=${port}`,
    '--bind-address=127.0.0.1',
    '--skip-name-resolve',
    `--pid-file=${join(dir, 'mariadbd.pid')}`,
    `--log-error=${join(dir, 'error.log')}`,
    `--tmpdir=${join(dir, 'tmp')}`,
    '--skip-log-bin',
    '--character-set-server=utf8mb4',
    '--collation-server=utf8mb4_general_ci',
    '--max-connections=1000',
    ...innodb,
  ];
}

/**
 * A detached shell that outlives us only to clean up: once this process is gone (however it
 * died) it kills the server and removes its directory.
 */
function startWatchdog(child: ChildProcess, dir: string): ChildProcess {
  const script =
    'while kill -0 "$1" 2>/dev/null; do sleep 1; done; kill -KILL "$2" 2>/dev/null; sleep 1; ' +
    '[ -n "$3" ] && rm -rf "$3"';
  const keep = process.env.WAARP_TEST_KEEP_TMP === '1';
  const watchdog = spawn(
    '/bin/sh',
    ['-c', script, 'waarp-test-mariadb-watchdog', String(process.pid), String(child.pid), keep ? '' : dir],
    { detached: true, stdio: 'ignore' },
  );
  watchdog.unref();
  return watchdog;
}

async function waitReady(child: ChildProcess, socket: string, log: string): Promise<void> {
  const deadline = Date.now() + readyTimeoutMs;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(
        `mariadbd exited (${child.exitCode ?? child.signalCode}) before accepting connections:\n${readTail(log)}`,
      );
    }
    if (existsSync(socket)) {
      try {
        await withRootConnection(socket, (c) => c.query('SELECT 1'));
        return;
      } catch {
        // Not ready yet.
      }
    }
    if (Date.now() > deadline) {
      throw new Error(`mariadbd did not accept connections within ${readyTimeoutMs} ms:\n${readTail(log)}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function withRootConnection<T>(socket: string, fn: (c: mysql.Connection) => Promise<T>): Promise<T> {
  const c = await mysql.createConnection({ socketPath: socket, user: 'root', connectTimeout: 2000 });
  try {
    return await fn(c);
  } finally {
    await c.end().catch(() => c.destroy());
  }
}

function readTail(file: string): string {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-30).join('\n');
  } catch {
    return '(no log)';
  }
}

/** Looks in WAARP_TEST_MARIADB_BINDIR when set, else PATH and the sbin folders. */
function findBinary(names: readonly string[]): string | undefined {
  const only = process.env.WAARP_TEST_MARIADB_BINDIR;
  const dirs =
    only !== undefined && only !== ''
      ? [only]
      : [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin', '/usr/local/sbin', '/usr/bin'];
  for (const name of names) {
    for (const d of dirs) {
      if (d === '') continue;
      const p = join(d, name);
      if (existsSync(p)) return p;
    }
  }
  return undefined;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => {
        if (addr !== null && typeof addr === 'object') resolve(addr.port);
        else reject(new Error('no port'));
      });
    });
  });
}

function execFileText(file: string, args: readonly string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { timeout: 120_000, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err !== null) reject(new Error(`${err.message}\n${stdout}\n${stderr}`, { cause: err }));
      else resolve(stdout);
    });
  });
}
