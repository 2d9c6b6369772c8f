import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SecretBox } from '../../src/crypto/secret-box.js';
import { MysqlDatabase } from '../../src/db/mysql.js';
import type { Stores } from '../../src/db/stores/index.js';
import { createStores } from '../../src/db/stores/index.js';
import type { NewTransfer } from '../../src/db/stores/transfers.js';
import type { ClusterNode, StartedCluster } from '../support/cluster.js';
import type { SshKey } from '../support/openssh.js';
import { sftpBatch } from '../support/openssh.js';
import type { StartedSshd } from '../support/sshd.js';
import { plannedTransfer } from '../support/transfers.js';
import { waitFor } from '../integration/client/helpers.js';
import { declareSftpServer } from '../support/declare.js';

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
}

/** A partner (the private sshd), its pinned host key, an account with a key, a client and a push rule. */
export async function setupPartner(
  c: StartedCluster,
  s: Stores,
  sshd: StartedSshd,
  remoteDir: string,
): Promise<PartnerSetup> {
  const secrets = SecretBox.fromKeyFile(join(c.home, 'passphrase.aes'));
  const partner = await s.partners.create({
    name: 'openssh',
    protocol: 'sftp',
    address: sshd.address,
    protoConfig: {},
  });
  await s.credentials.create({
    owner: { kind: 'partner', id: partner.id },
    name: 'hostkey',
    type: 'ssh_public_key',
    value: sshd.hostPublicKey,
    value2: '',
  });
  const account = await s.remoteAccounts.create({ partnerId: partner.id, login: sshd.user });
  await s.credentials.create({
    owner: { kind: 'remoteAccount', id: account.id },
    name: 'key',
    type: 'ssh_private_key',
    value: secrets.encrypt(readFileSync(sshd.clientKey.file, 'utf8')),
    value2: '',
  });
  const client = await s.clients.create({
    name: 'sftp',
    protocol: 'sftp',
    localAddress: '',
    enabled: true,
    nbOfAttempts: 0,
    firstRetryDelay: 1,
    retryIncrementFactor: 2,
    protoConfig: {},
  });
  const rule = await s.rules.create({
    name: 'push',
    isSend: true,
    comment: '',
    path: 'push',
    localDir: '',
    remoteDir,
    tmpLocalRcvDir: '',
    preTasks: [],
    postTasks: [],
    errorTasks: [],
  });
  return { rulePush: rule.id, account: account.id, client: client.id };
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
