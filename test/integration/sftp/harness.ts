/**
 * An in-process SFTP server for tests: a GatewayContext on a fresh migrated database (SQLite,
 * or MariaDB when WAARP_TEST_DB=mysql), a temporary GatewayHome, one `sftp` server on
 * 127.0.0.1:<free port>, and the SFTP service started on it. Helpers create accounts and
 * rules through the stores, as the admin API would.
 */
import { mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import type { GatewayConfig } from '../../../src/config/types.js';
import { testConfig as sharedTestConfig, testContext } from '../../support/context.js';
import type { Stores } from '../../../src/db/stores/index.js';
import type { GatewayContext } from '../../../src/gateway/context.js';
import type { LocalAccount, Rule, Server, TaskSpec } from '../../../src/model/entities.js';
import type { SftpService } from '../../../src/sftp/service.js';
import { createSftpService } from '../../../src/sftp/service.js';
import type { TestDatabase } from '../../support/test-db.js';
import { openTestDatabase, testDbKind } from '../../support/test-db.js';
import { makeTempDir, removeTempDir } from '../../support/tmp.js';
import { declareLocalAccount, sftpServer } from '../../support/declare.js';

export interface HarnessOptions {
  maxTransferIn?: number;
  nodeTimeoutMs?: number;
  pollMs?: number;
  nodeName?: string;
}

export interface SftpHarness {
  readonly ctx: GatewayContext;
  readonly stores: Stores;
  readonly db: TestDatabase;
  readonly home: string;
  readonly service: SftpService;
  readonly server: Server;
  readonly port: number;
  addAccount(login: string, options?: AccountOptions): Promise<LocalAccount>;
  addRule(rule: RuleOptions): Promise<Rule>;
  /** Where the rule's files are (send dir / final receive dir / tmp dir), per the defaults. */
  readonly dirs: { in: string; out: string; tmp: string };
  stop(): Promise<void>;
}

export interface AccountOptions {
  password?: string;
  publicKey?: string;
  ipAddresses?: string[];
}

export interface RuleOptions {
  name: string;
  isSend: boolean;
  path?: string;
  localDir?: string;
  tmpLocalRcvDir?: string;
  sharedFolder?: boolean;
  preTasks?: TaskSpec[];
  postTasks?: TaskSpec[];
  errorTasks?: TaskSpec[];
}

/** A TCP port nobody listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const a = srv.address();
      srv.close(() => (a !== null && typeof a === 'object' ? resolve(a.port) : reject(new Error('no port'))));
    });
  });
}

export function testConfig(home: string, db: TestDatabase, options: HarnessOptions = {}): GatewayConfig {
  return sharedTestConfig({
    home,
    configDir: join(home, 'etc'),
    instance: options.nodeName,
    db: db.config,
    gatewayName: 'sftp-test',
    maxTransferIn: options.maxTransferIn ?? 0,
    nodeTimeoutMs: options.nodeTimeoutMs ?? 30_000,
  });
}

export async function startHarness(options: HarnessOptions = {}): Promise<SftpHarness> {
  const home = await makeTempDir('sftp-home');
  const db = await openTestDatabase(testDbKind());
  const config = testConfig(home, db, options);
  for (const dir of [
    config.configDir,
    config.paths.defaultInDir,
    config.paths.defaultOutDir,
    config.paths.defaultTmpDir,
  ]) {
    mkdirSync(dir, { recursive: true });
  }
  const ctx: GatewayContext = testContext(config, db, options.nodeName ?? 'node-a');
  const stores = ctx.stores;
  const port = await freePort();
  const server = await stores.servers.create(sftpServer('sftp-test', `127.0.0.1:${port}`));
  const service = createSftpService(ctx, { pollMs: options.pollMs ?? 200 });
  await service.start();
  let stopped: Promise<void> | undefined;
  return {
    ctx,
    stores,
    db,
    home,
    service,
    server,
    port,
    dirs: { in: config.paths.defaultInDir, out: config.paths.defaultOutDir, tmp: config.paths.defaultTmpDir },
    addAccount(login, o = {}) {
      return declareLocalAccount(stores, server.id, login, o);
    },
    addRule(r) {
      return stores.rules.create({
        name: r.name,
        isSend: r.isSend,
        comment: '',
        path: r.path ?? r.name,
        localDir: r.localDir ?? '',
        remoteDir: '',
        tmpLocalRcvDir: r.tmpLocalRcvDir ?? '',
        sharedFolder: r.sharedFolder ?? false,
        preTasks: r.preTasks ?? [],
        postTasks: r.postTasks ?? [],
        errorTasks: r.errorTasks ?? [],
      });
    },
    stop() {
      stopped ??= (async () => {
        await service.stop();
        await service.closeAllSessions();
        await db.close();
        await removeTempDir(home);
      })();
      return stopped;
    },
  };
}

/** Polls `fn` until it returns a value other than undefined/false, or fails after `ms`. */
export async function eventually<T>(
  fn: () => Promise<T | undefined | false> | T | undefined | false,
  ms = 10_000,
): Promise<T> {
  const deadline = Date.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined && v !== false) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`condition not met within ${ms} ms`, { cause: last });
    await new Promise((r) => setTimeout(r, 50));
  }
}
