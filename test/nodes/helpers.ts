import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SecretBox } from '../../src/crypto/secret-box.js';
import { MysqlDatabase } from '../../src/db/mysql.js';
import type { Stores } from '../../src/db/stores/index.js';
import { createStores } from '../../src/db/stores/index.js';
import type { NewTransfer } from '../../src/db/stores/transfers.js';
import type { StartedCluster } from '../support/cluster.js';
import type { StartedSshd } from '../support/sshd.js';
import { plannedTransfer } from '../support/transfers.js';

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
