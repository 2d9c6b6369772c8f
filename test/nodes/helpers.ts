import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { SecretBox } from '../../src/crypto/secret-box.js';
import { MysqlDatabase } from '../../src/db/mysql.js';
import type { Stores } from '../../src/db/stores/index.js';
import { createStores } from '../../src/db/stores/index.js';
import type { NewTransfer } from '../../src/db/stores/transfers.js';
import type { ClusterNode, StartedCluster } from '../support/cluster.js';
import type { SshKey } from '../support/openssh.js';
import { generateKey, sftpBatch } from '../support/openssh.js';
import { makeTempDir } from '../support/tmp.js';
import type { StartedSshd } from '../support/sshd.js';
import { plannedTransfer } from '../support/transfers.js';
import { waitFor } from '../integration/client/helpers.js';
import { declareOpenSshPartner, declareSftpServer, rule, sftpClient } from '../support/declare.js';

/** The test's own view of the cluster's database (as an operator's SQL client would have). */
export function clusterStores(c: StartedCluster): Stores {
  const db = new MysqlDatabase({
    address: c.db.address,
    database: c.db.name,
    user: c.db.user,
    password: c.db.password,
  });
  return createStores(db, 'cluster-gw');
}

export interface PartnerSetup {
  rulePush: number;
  account: number;
  client: number;
  /** The sshd's folder the pushes land in (`in` under its root). */
  inbox: string;
}

/**
 * The private sshd as the partner (its pinned host key, an account with a key; `address` in
 * front of it when given, a throttled relay), the client `sftp` and the rule `push` into its
 * `in` folder; `out` in GatewayHome for the files to push.
 */
export async function setupPartner(
  c: StartedCluster,
  s: Stores,
  sshd: StartedSshd,
  address = sshd.address,
): Promise<PartnerSetup> {
  const inbox = join(sshd.root, 'in');
  mkdirSync(inbox);
  mkdirSync(join(c.home, 'out'), { recursive: true });
  const secrets = SecretBox.fromKeyFile(join(c.home, 'passphrase.aes'));
  const { account } = await declareOpenSshPartner(s, secrets, sshd, address);
  const client = await s.clients.create(sftpClient());
  const push = await s.rules.create(rule({ name: 'push', isSend: true, remoteDir: inbox }));
  return { rulePush: push.id, account: account.id, client: client.id, inbox };
}

export function plannedPush(p: PartnerSetup, file: string, output = file): NewTransfer {
  return plannedTransfer(
    { ruleId: p.rulePush, clientId: p.client, remoteAccountId: p.account },
    { srcFilename: file, destFilename: output },
  );
}

/**
 * The SFTP side: a server declared once with the public address (every node listens on its own
 * indirected port), the account `alice` with `key`, the rule `up` receiving into `/in`
 * (GatewayHome/in) and `down` sending from `/out`.
 */
export function declareUploadServer(c: StartedCluster, s: Stores, key: SshKey): Promise<void> {
  return declareSftpServer(s, {
    name: 'sftp',
    address: c.publicSftp,
    login: 'alice',
    publicKey: key.publicKey,
  });
}

/** A client's key and work folder, `alice` declared with it on the upload server, every listener ready. */
export async function setupUploads(
  c: StartedCluster,
  s: Stores,
  name: string,
): Promise<{ work: string; key: SshKey }> {
  const work = await makeTempDir(name);
  const key = await generateKey(work);
  await declareUploadServer(c, s, key);
  await waitSftpListeners(c.nodes, key);
  return { work, key };
}

/** Waits until each node's SFTP listener logs `alice` in (listeners follow the table every 2 s). */
export async function waitSftpListeners(nodes: readonly ClusterNode[], key: SshKey): Promise<void> {
  for (const n of nodes) {
    await waitFor(
      `${n.name} SFTP listener`,
      async () => {
        const r = await sftpBatch({ port: n.sftpPort, user: 'alice', key: key.file }, ['ls /']);
        return r.code === 0 ? true : undefined;
      },
      20_000,
    );
  }
}

/**
 * Nothing lost, nothing doubled: each file has exactly one record, DONE, and no transfer is left
 * in the live table.
 */
export async function assertOneDoneRecordEach(
  s: Stores,
  files: readonly { rule: string; file: string }[],
): Promise<void> {
  const all = await s.transfers.listNormalized({}, { limit: 1000 });
  assert.deepEqual(
    all.filter((t) => !t.isHistory).map((t) => [t.id, t.rule, t.destFilename, t.status, t.node]),
    [],
    'nothing left in the live table',
  );
  for (const f of files) {
    const records = all.filter((t) => t.rule === f.rule && t.destFilename === f.file);
    assert.deepEqual(
      records.map((r) => r.status),
      ['DONE'],
      `${f.rule} ${f.file}: ${JSON.stringify(records.map((r) => [r.id, r.status, r.node, r.errorDetails]))}`,
    );
  }
}
