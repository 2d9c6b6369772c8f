/**
 * One `waarp-gatewayd` process on SQLite (the embedded default), laid out like the cluster's
 * nodes (test/support/cluster.ts) and serving what every benchmarked gateway serves
 * (test/support/declare.ts), for the figures that compare the two engines.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SqliteDatabase } from '../../src/db/sqlite.js';
import type { Stores } from '../../src/db/stores/index.js';
import { createStores } from '../../src/db/stores/index.js';
import type { ClusterNode } from '../../test/support/cluster.js';
import { makeNode } from '../../test/support/cluster.js';
import { freePort } from '../../test/support/sshd.js';
import { sshBanner } from './cluster-env.js';
import { declareSftpServer } from '../../test/support/declare.js';
import { sleep } from './measure.js';

export interface SqliteNode {
  readonly node: ClusterNode;
  readonly stores: Stores;
  readonly user: string;
  /** Where uploads land and downloads come from. */
  readonly inDir: string;
  readonly outDir: string;
  stop(): Promise<void>;
}

export async function startSqliteNode(
  dir: string,
  clientPublicKey: string,
  nodeFlags: string[] = [],
): Promise<SqliteNode> {
  const home = join(dir, 'home');
  const etc = join(dir, 'etc');
  mkdirSync(home, { recursive: true });
  mkdirSync(etc, { recursive: true });
  const adminPort = await freePort();
  const sftpPort = await freePort();
  const password = 'sqlite-admin-password';
  const dbFile = join(home, 'gateway.db');
  // Production timings and a log file, as the cluster's nodes in cluster-env.ts.
  writeFileSync(
    join(etc, 'gatewayd.ini'),
    [
      '[global]',
      'GatewayName = sqlite-gw',
      '[paths]',
      `GatewayHome = ${home}`,
      '[log]',
      'Level = INFO',
      'LogTo = gatewayd.log',
      '[admin]',
      'Host = 127.0.0.1',
      `Port = ${adminPort}`,
      '[database]',
      'Type = sqlite',
      `Address = ${dbFile}`,
      `AESPassphrase = ${join(home, 'passphrase.aes')}`,
      '[controller]',
      'Delay = 5s',
      '[cluster]',
      'HeartbeatInterval = 1s',
      'NodeTimeout = 5s',
      'DrainGrace = 3s',
      '',
    ].join('\n'),
  );
  writeFileSync(join(etc, 'sqlite1.ini'), '');
  const node = makeNode(
    'sqlite1',
    etc,
    adminPort,
    sftpPort,
    password,
    [process.execPath, ...nodeFlags],
    'sqlite1',
  );
  await node.start();
  const stores = createStores(new SqliteDatabase(dbFile), 'sqlite-gw');
  const user = 'bench';
  try {
    await declareSftpServer(stores, {
      name: 'sftp',
      address: `127.0.0.1:${sftpPort}`,
      login: user,
      publicKey: clientPublicKey,
    });
    // The service re-reads the servers every 2 s.
    for (let i = 0; !(await sshBanner(sftpPort)); i++) {
      if (i > 300) throw new Error(`the SQLite node does not listen on ${sftpPort}:\n${node.output()}`);
      await sleep(100);
    }
  } catch (err) {
    await node.kill('SIGKILL');
    await stores.db.close();
    throw err;
  }
  const inDir = join(home, 'in');
  const outDir = join(home, 'out');
  mkdirSync(inDir, { recursive: true });
  mkdirSync(outDir, { recursive: true });
  return {
    node,
    stores,
    user,
    inDir,
    outDir,
    async stop() {
      await stores.db.close();
      if (node.process() !== undefined) await node.kill('SIGTERM');
    },
  };
}
