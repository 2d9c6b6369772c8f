/**
 * Real `waarp-gatewayd` processes forming a cluster on loopback, laid out as the seed's
 * tutorial: one gatewayd.ini declaring the public (load balancer) addresses, and one
 * `nodeN.ini` per node mapping them to the node's own ports. All nodes share one MariaDB
 * database and one GatewayHome folder.
 */
import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { writeIni } from './ini.js';
import { join, resolve } from 'node:path';
import type { StartedMariaDb } from './mariadb.js';
import { startMariaDb } from './mariadb.js';
import { freePort } from './sshd.js';
import { makeTempDir, removeTempDir } from './tmp.js';

const daemon = resolve('dist/src/daemon/main.js');

export interface ClusterOptions {
  nodes: number;
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
  start(): Promise<void>;
  /** Sends a signal and waits for the exit; returns the exit code (or signal name). */
  kill(signal: NodeJS.Signals): Promise<number | string>;
  api(path: string, init?: RequestInit): Promise<Response>;
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
  stop(): Promise<void>;
}

export async function startCluster(options: ClusterOptions): Promise<StartedCluster> {
  const mariadb: StartedMariaDb = await startMariaDb();
  const dbName = await mariadb.createDatabase();
  const etc = await makeTempDir('cluster-etc');
  const home = await makeTempDir('cluster-home');
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
  for (let i = 1; i <= options.nodes; i++) {
    const name = `node${i}`;
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
    nodes.push(makeNode(name, etc, adminPort, sftpPort, adminPassword, options.nodeArgs ?? [], name));
  }
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
    stop: () =>
      (stopped ??= (async () => {
        await Promise.all(nodes.map((n) => (n.process() ? n.kill('SIGKILL') : Promise.resolve(0))));
        await mariadb.dropDatabase(dbName).catch(() => undefined);
        await mariadb.stop();
        await removeTempDir(etc);
        await removeTempDir(home);
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
  const node = makeNode('gatewayd', etc, adminPort, await freePort(), adminPassword, [], undefined);
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

function makeNode(
  name: string,
  etc: string,
  adminPort: number,
  sftpPort: number,
  password: string,
  nodeArgs: string[],
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
    async start() {
      out = '';
      const args = [...nodeArgs, daemon, 'server', '-c', join(etc, 'gatewayd.ini')];
      if (instance !== undefined) args.push('-i', instance);
      const proc = spawn(process.execPath, args, {
        env: { ...process.env, WAARP_GATEWAY_ADMIN_PASSWORD: password },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      child = proc;
      proc.stdout?.on('data', (d: Buffer) => (out += d.toString()));
      proc.stderr?.on('data', (d: Buffer) => (out += d.toString()));
      proc.once('exit', () => {
        if (child === proc) child = undefined;
      });
      const deadline = Date.now() + 30_000;
      while (Date.now() < deadline) {
        if (proc.exitCode !== null) throw new Error(`${name} exited with ${proc.exitCode}:\n${out}`);
        const ready = await fetch(`${adminUrl}/readyz`).then(
          (r) => r.status === 200,
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
