/**
 * Starts a whole gateway node in this process, as `waarp-gatewayd server` would, on a
 * temporary GatewayHome with the admin API on 127.0.0.1:0. The database is SQLite unless
 * `db` (or WAARP_TEST_DB) says mysql, in which case a fresh MariaDB database is used.
 */
import { join } from 'node:path';
import { loadConfig } from '../../src/config/load.js';
import type { RunningNode } from '../../src/daemon/node.js';
import { startNode } from '../../src/daemon/node.js';
import { silentLogger } from '../../src/log.js';
import { writeIni } from './ini.js';
import { startMariaDb } from './mariadb.js';
import { testDbKind } from './test-db.js';
import { makeTempDir, removeTempDir } from './tmp.js';

export interface GatewayOptions {
  db?: 'sqlite' | 'mysql';
  /** Node name (-i); default: none (a lone node). */
  instance?: string;
  /** Extra `[section] key = value` lines, e.g. `{ controller: { Delay: '200ms' } }`. */
  ini?: Record<string, Record<string, string>>;
  /** Share GatewayHome and database with another node (cluster tests). */
  shareWith?: StartedGateway;
  adminPassword?: string;
}

export interface StartedGateway {
  readonly node: RunningNode;
  readonly home: string;
  readonly configFile: string;
  readonly adminUrl: string;
  readonly auth: { user: string; password: string };
  /** `Authorization` header value for the admin user. */
  readonly authHeader: string;
  /** fetch() against the admin API with the admin's credentials. */
  api(path: string, init?: RequestInit): Promise<Response>;
  stop(): Promise<void>;
}

export async function startGateway(options: GatewayOptions = {}): Promise<StartedGateway> {
  const shared = options.shareWith;
  const home = shared?.home ?? (await makeTempDir('gw-home-'));
  const dir = await makeTempDir('gw-etc-');
  const kind = options.db ?? testDbKind();
  const database = shared
    ? sharedDatabaseLines(shared)
    : kind === 'mysql'
      ? await mysqlLines()
      : { Type: 'sqlite', Address: join(home, 'gateway.db') };
  const sections: Record<string, Record<string, string>> = {
    global: { GatewayName: 'test-gateway' },
    paths: { GatewayHome: home },
    log: { Level: 'ERROR' },
    admin: { Host: '127.0.0.1', Port: '0' },
    database: { ...database, AESPassphrase: join(home, 'passphrase.aes') },
    cluster: { HeartbeatInterval: '200ms', NodeTimeout: '2s', DrainGrace: '2s' },
  };
  const configFile = join(dir, 'gatewayd.ini');
  writeIni(configFile, sections, options.ini);
  const password = options.adminPassword ?? 'admin-test-password';
  const env = { ...process.env, WAARP_GATEWAY_ADMIN_PASSWORD: password };
  const { config } = loadConfig({ file: configFile, instance: options.instance, env });
  const previous = process.env.WAARP_GATEWAY_ADMIN_PASSWORD;
  process.env.WAARP_GATEWAY_ADMIN_PASSWORD = password;
  let node: RunningNode;
  try {
    node = await startNode(config, silentLogger(), { databaseWaitMs: 5000 });
  } finally {
    if (previous === undefined) delete process.env.WAARP_GATEWAY_ADMIN_PASSWORD;
    else process.env.WAARP_GATEWAY_ADMIN_PASSWORD = previous;
  }
  const adminUrl = `http://${node.adminAddress}`;
  const authHeader = 'Basic ' + Buffer.from(`admin:${password}`).toString('base64');
  let stopped: Promise<void> | undefined;
  const started: StartedGateway = {
    node,
    home,
    configFile,
    adminUrl,
    auth: { user: 'admin', password },
    authHeader,
    api: (path, init = {}) =>
      fetch(adminUrl + path, {
        ...init,
        headers: { authorization: authHeader, 'content-type': 'application/json', ...init.headers },
      }),
    stop: () =>
      (stopped ??= (async () => {
        await node.stop(0);
        await removeTempDir(dir);
        if (shared === undefined) await removeTempDir(home);
      })()),
  };
  databases.set(started, database);
  return started;
}

const databases = new WeakMap<StartedGateway, Record<string, string>>();

function sharedDatabaseLines(g: StartedGateway): Record<string, string> {
  const lines = databases.get(g);
  if (lines !== undefined) return lines;
  return { Type: 'sqlite', Address: join(g.home, 'gateway.db') };
}

async function mysqlLines(): Promise<Record<string, string>> {
  const server = await startMariaDb();
  const name = await server.createDatabase();
  return {
    Type: 'mysql',
    Address: `${server.host}:${server.port}`,
    Name: name,
    User: server.user,
    Password: server.password,
  };
}
