/**
 * The objects tests declare straight in the stores, with the defaults they nearly always want:
 * an SFTP server, a rule, the SFTP client, a local account, a partner with its pinned host key
 * and our account on it (the private OpenSSH sshd, or another gateway). And what the benchmarks,
 * the soak and the multi-node tests serve: one SFTP server, one account and two rules, `up`
 * receiving into `/in` and `down` sending from `/out` (GatewayHome/in, /out).
 */
import { readFileSync } from 'node:fs';
import { hashPassword } from '../../src/crypto/passwords.js';
import type { SecretBox } from '../../src/crypto/secret-box.js';
import type { ClientInput } from '../../src/db/stores/clients.js';
import type { Stores } from '../../src/db/stores/index.js';
import type { RuleInput } from '../../src/db/stores/rules.js';
import type { ServerInput } from '../../src/db/stores/servers.js';
import type { LocalAccount, Partner, RemoteAccount } from '../../src/model/entities.js';
import type { StartedSshd } from './sshd.js';

/** An SFTP server, enabled, with no folders of its own and no protocol configuration. */
export function sftpServer(name: string, address: string, more: Partial<ServerInput> = {}): ServerInput {
  return {
    name,
    protocol: 'sftp',
    address,
    enabled: true,
    rootDir: '',
    receiveDir: '',
    sendDir: '',
    tmpReceiveDir: '',
    protoConfig: {},
    ...more,
  };
}

/** A rule with no folders and no tasks; its path is its name unless given. */
export function rule(o: Pick<RuleInput, 'name' | 'isSend'> & Partial<RuleInput>): RuleInput {
  return {
    comment: '',
    path: o.name,
    localDir: '',
    remoteDir: '',
    tmpLocalRcvDir: '',
    preTasks: [],
    postTasks: [],
    errorTasks: [],
    ...o,
  };
}

/** The SFTP client `sftp` of the client-transfer tests: no automatic retry. */
export function sftpClient(more: Partial<ClientInput> = {}): ClientInput {
  return {
    name: 'sftp',
    protocol: 'sftp',
    localAddress: '',
    enabled: true,
    nbOfAttempts: 0,
    firstRetryDelay: 1,
    retryIncrementFactor: 2,
    protoConfig: {},
    ...more,
  };
}

/** A local account, with a password (hashed here) and an authorized public key when given. */
export async function declareLocalAccount(
  stores: Stores,
  serverId: number,
  login: string,
  o: { password?: string | undefined; publicKey?: string | undefined; ipAddresses?: string[] } = {},
): Promise<LocalAccount> {
  const account = await stores.localAccounts.create({
    serverId,
    login,
    passwordHash: o.password === undefined ? null : await hashPassword(o.password),
    ipAddresses: o.ipAddresses ?? [],
  });
  if (o.publicKey !== undefined) {
    await stores.credentials.create({
      owner: { kind: 'localAccount', id: account.id },
      name: 'key',
      type: 'ssh_public_key',
      value: o.publicKey,
      value2: '',
    });
  }
  return account;
}

export interface SftpPartnerDeclaration {
  name: string;
  address: string;
  /** `ssh-ed25519 AAAA…`: pinned. */
  hostPublicKey: string;
  login: string;
  /** Our secret on it, already encrypted with the gateway's SecretBox. */
  secret: { type: 'password' | 'ssh_private_key'; encrypted: string };
}

/** A partner reached over SFTP: its host key pinned, and our account on it with its secret. */
export async function declareSftpPartner(
  stores: Stores,
  o: SftpPartnerDeclaration,
): Promise<{ partner: Partner; account: RemoteAccount }> {
  const partner = await stores.partners.create({
    name: o.name,
    protocol: 'sftp',
    address: o.address,
    protoConfig: {},
  });
  await stores.credentials.create({
    owner: { kind: 'partner', id: partner.id },
    name: 'hostkey',
    type: 'ssh_public_key',
    value: o.hostPublicKey,
    value2: '',
  });
  const account = await stores.remoteAccounts.create({ partnerId: partner.id, login: o.login });
  await stores.credentials.create({
    owner: { kind: 'remoteAccount', id: account.id },
    name: o.secret.type === 'password' ? 'password' : 'key',
    type: o.secret.type,
    value: o.secret.encrypted,
    value2: '',
  });
  return { partner, account };
}

/**
 * The private OpenSSH sshd as the partner `openssh`: its host key pinned, our account its user
 * with its client key. `address` replaces the sshd's (a throttled relay in front of it).
 */
export function declareOpenSshPartner(
  stores: Stores,
  secrets: SecretBox,
  sshd: StartedSshd,
  address = sshd.address,
): Promise<{ partner: Partner; account: RemoteAccount }> {
  return declareSftpPartner(stores, {
    name: 'openssh',
    address,
    hostPublicKey: sshd.hostPublicKey,
    login: sshd.user,
    secret: {
      type: 'ssh_private_key',
      encrypted: secrets.encrypt(readFileSync(sshd.clientKey.file, 'utf8')),
    },
  });
}

export interface SftpServerDeclaration {
  name: string;
  /** The address the server is declared with (a node listens on its indirection of it). */
  address: string;
  login: string;
  publicKey?: string;
  password?: string;
}

export async function declareSftpServer(stores: Stores, o: SftpServerDeclaration): Promise<void> {
  const server = await stores.servers.create(sftpServer(o.name, o.address));
  await declareLocalAccount(stores, server.id, o.login, { password: o.password, publicKey: o.publicKey });
  await stores.rules.create(rule({ name: 'up', isSend: false, path: 'in' }));
  await stores.rules.create(rule({ name: 'down', isSend: true, path: 'out' }));
}
