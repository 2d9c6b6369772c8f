/**
 * Real `waarp-gatewayd` processes forming a cluster on loopback, laid out as the seed's
 * tutorial: one gatewayd.ini declaring the public (load balancer) addresses, and one
 * `nodeN.ini` per node mapping them to the node's own ports. All nodes share one MariaDB
 * database and one GatewayHome folder.
 *
 * WAARP_TEST_NODE_LOGS=DIR also appends each node's output to DIR/nodeN.log (a post-mortem).
 */
import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { appendFileSync, writeFileSync } from 'node:fs';
import { writeIni } from './ini.js';
import { join, resolve } from 'node:path';
import type { StartedMariaDb } from './mariadb.js';
import { startMariaDb, startPrivateMariaDb } from './mariadb.js';
import { freePort } from './sshd.js';
import { makeTempDir, removeTempDir } from './tmp.js';

const daemon = resolve('dist/src/daemon/main.js');

export interface ClusterOptions {
  nodes: number;
  /**
   * A MariaDB server of the cluster's own (not the process's shared one), so that the test can
   * kill it and start it again on the same data (`StartedCluster.database`).
   */
  privateDatabase?: boolean;
  /**
   * GatewayHome, when the test provides it (e.g. a small tmpfs): it is neither created nor
   * removed by the harness. Default: a fresh temp dir.
   */
  home?: string;
  /**
   * A command the node processes are started through (e.g. `unshare -m`, so that each node has
   * mounts of its own); it must exec the node in its own process.
   */
  launcher?: string[];
  /** Extra `[section] key = value` for gatewayd.ini. */
  ini?: Record<string, Record<string, string>>;
  /** Options for node itself, before the daemon's path (e.g. `--cpu-prof`). */
  nodeArgs?: string[];
  adminPassword?: string;
}

export interface ClusterNode {
  readonly name: string;
  readonly adminPort: number;
  /** The node's own SFTP port (what `IndirectAddress` maps the public one to). */
  readonly sftpPort: number;
  readonly adminUrl: string;
  /** The running process, or undefined when stopped. */
  process(): ChildProcess | undefined;
  /** Output of the current process (stdout and stderr), for failure messages. */
  output(): string;
  /**
   * Starts the process and waits until `/readyz` says ready (`waitReady: false`: until the admin
   * API answers at all). `env`: more environment for this start (e.g. a fake clock).
   */
  start(options?: NodeStartOptions): Promise<void>;
  /** Sends a signal and waits for the exit; returns the exit code (or signal name). */
  kill(signal: NodeJS.Signals): Promise<number | string>;
  api(path: string, init?: RequestInit): Promise<Response>;
}

export interface NodeStartOptions {
  env?: Record<string, string>;
  waitReady?: boolean;
}

export interface StartedCluster {
  readonly nodes: ClusterNode[];
  readonly home: string;
  readonly etc: string;
  /** The public SFTP address the servers are declared with (no one listens on it). */
  readonly publicSftp: string;
  /** The public admin address ([admin] Host:Port; a load balancer may listen there). */
  readonly publicAdmin: string;
  readonly db: { address: string; name: string; user: string; password: string };
  readonly adminPassword: string;
  /** The database server (kill and restart it with `privateDatabase`). */
  readonly database: StartedMariaDb;
  /** Declares one more node (`nodeN.ini`, its ports) without starting it. */
  addNode(): Promise<ClusterNode>;
  stop(): Promise<void>;
}

export async function startCluster(options: ClusterOptions): Promise<StartedCluster> {
  const mariadb: StartedMariaDb = options.privateDatabase
    ? await startPrivateMariaDb()
    : await startMariaDb();
  const dbName = await mariadb.createDatabase();
  const etc = await makeTempDir('cluster-etc');
  const home = options.home ?? (await makeTempDir('cluster-home'));
  const publicAdmin = await freePort();
  const publicSftp = await freePort();
  const adminPassword = options.adminPassword ?? 'cluster-admin-password';
  const sections: Record<string, Record<string, string>> = {
    global: { GatewayName: 'cluster-gw' },
    paths: { GatewayHome: home },
    log: { Level: 'INFO', LogTo: 'stdout' },
    admin: { Host: '127.0.0.1', Port: String(publicAdmin) },
    database: {
      Type: 'mysql',
      Address: mariadb.address,
      Name: dbName,
      User: mariadb.user,
      Password: mariadb.password,
      AESPassphrase: join(home, 'passphrase.aes'),
    },
    controller: { Delay: '300ms' },
    cluster: { HeartbeatInterval: '300ms', NodeTimeout: '2s', DrainGrace: '3s' },
  };
  writeIni(join(etc, 'gatewayd.ini'), sections, options.ini);
  const nodes: ClusterNode[] = [];
  const addNode = async (): Promise<ClusterNode> => {
    const name = `node${nodes.length + 1}`;
    const adminPort = await freePort();
    const sftpPort = await freePort();
    writeFileSync(
      join(etc, `${name}.ini`),
      [
        '[Address Indirection]',
        '',
        `IndirectAddress = 127.0.0.1:${publicSftp} -> 127.0.0.1:${sftpPort}`,
        `IndirectAddress = 127.0.0.1:${publicAdmin} -> 127.0.0.1:${adminPort}`,
        '',
      ].join('\n'),
    );
    const node = makeNode(
      name,
      etc,
      adminPort,
      sftpPort,
      adminPassword,
      [...(options.launcher ?? []), process.execPath, ...(options.nodeArgs ?? [])],
      name,
    );
    nodes.push(node);
    return node;
  };
  for (let i = 1; i <= options.nodes; i++) await addNode();
  await Promise.all(nodes.map((n) => n.start()));
  let stopped: Promise<void> | undefined;
  return {
    nodes,
    home,
    etc,
    publicSftp: `127.0.0.1:${publicSftp}`,
    publicAdmin: `127.0.0.1:${publicAdmin}`,
    db: { address: mariadb.address, name: dbName, user: mariadb.user, password: mariadb.password },
    adminPassword,
    database: mariadb,
    addNode,
    stop: () =>
      (stopped ??= (async () => {
        await Promise.all(nodes.map((n) => (n.process() ? n.kill('SIGKILL') : Promise.resolve(0))));
        await mariadb.dropDatabase(dbName).catch(() => undefined);
        await mariadb.stop();
        await removeTempDir(etc);
        if (options.home === undefined) await removeTempDir(home);
      })()),
  };
}

export interface LoneNodeOptions {
  /** Extra `[section] key = value` for gatewayd.ini. */
  ini?: Record<string, Record<string, string>>;
  adminPassword?: string;
}

export interface StartedLoneNode {
  /** The process; `sftpPort` is a free port for the caller to declare its SFTP server on. */
  readonly node: ClusterNode;
  readonly home: string;
  readonly adminPassword: string;
  stop(): Promise<void>;
}

/**
 * One `waarp-gatewayd` process on the embedded default (SQLite in its GatewayHome, no `-i`), as
 * `npm start` runs it, with the admin API on a free port.
 */
export async function startLoneNode(options: LoneNodeOptions = {}): Promise<StartedLoneNode> {
  const etc = await makeTempDir('node-etc');
  const home = await makeTempDir('node-home');
  const adminPort = await freePort();
  const adminPassword = options.adminPassword ?? 'lone-node-admin-password';
  writeIni(
    join(etc, 'gatewayd.ini'),
    {
      global: { GatewayName: 'lone-gw' },
      paths: { GatewayHome: home },
      log: { Level: 'WARNING', LogTo: 'stdout' },
      admin: { Host: '127.0.0.1', Port: String(adminPort) },
      database: { Type: 'sqlite', AESPassphrase: join(home, 'passphrase.aes') },
    },
    options.ini,
  );
  const node = makeNode(
    'gatewayd',
    etc,
    adminPort,
    await freePort(),
    adminPassword,
    [process.execPath],
    undefined,
  );
  try {
    await node.start();
  } catch (err) {
    await removeTempDir(etc);
    await removeTempDir(home);
    throw err;
  }
  let stopped: Promise<void> | undefined;
  return {
    node,
    home,
    adminPassword,
    stop: () =>
      (stopped ??= (async () => {
        if (node.process()) await node.kill('SIGTERM');
        await removeTempDir(etc);
        await removeTempDir(home);
      })()),
  };
}

export function makeNode(
  name: string,
  etc: string,
  adminPort: number,
  sftpPort: number,
  password: string,
  command: string[],
  instance: string | undefined,
): ClusterNode {
  let child: ChildProcess | undefined;
  let out = '';
  const adminUrl = `http://127.0.0.1:${adminPort}`;
  const auth = 'Basic ' + Buffer.from(`admin:${password}`).toString('base64');
  const node: ClusterNode = {
    name,
    adminPort,
    sftpPort,
    adminUrl,
    process: () => child,
    output: () => out,
    async start(options = {}) {
      out = '';
      const [program, ...before] = command as [string, ...string[]];
      const args = [...before, daemon, 'server', '-c', join(etc, 'gatewayd.ini')];
      if (instance !== undefined) args.push('-i', instance);
      const proc = spawn(program, args, {
        env: { ...process.env, WAARP_GATEWAY_ADMIN_PASSWORD: password, ...options.env },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      child = proc;
      const keep = process.env.WAARP_TEST_NODE_LOGS;
      const record = (d: Buffer): void => {
        out += d.toString();
        if (keep !== undefined && keep !== '') appendFileSync(join(keep, `${name}.log`), d);
      };
      proc.stdout?.on('data', record);
      proc.stderr?.on('data', record);
      proc.once('exit', () => {
        if (child === proc) child = undefined;
      });
      const deadline = Date.now() + 30_000;
      while (Date.now() < deadline) {
        if (proc.exitCode !== null) throw new Error(`${name} exited with ${proc.exitCode}:\n${out}`);
        const ready = await fetch(`${adminUrl}/readyz`).then(
          (r) => r.status === 200 || options.waitReady === false,
          () => false,
        );
        if (ready) return;
        await new Promise((r) => setTimeout(r, 100));
      }
      proc.kill('SIGKILL');
      throw new Error(`${name} not ready after 30 s:\n${out}`);
    },
    async kill(signal) {
      const proc = child;
      if (proc === undefined) return 'not running';
      const exited = new Promise<number | string>((resolve) =>
        proc.once('exit', (code, sig) => resolve(code ?? sig ?? 'unknown')),
      );
      proc.kill(signal);
      return exited;
    },
    api: (path, init = {}) =>
      fetch(adminUrl + path, {
        ...init,
        headers: { authorization: auth, 'content-type': 'application/json', ...init.headers },
      }),
  };
  return node;
}
