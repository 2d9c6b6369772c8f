/**
 * What the benchmarks, the soak and the multi-node tests serve: one SFTP server, one account (an
 * authorized key, and a password when given) and two rules, `up` receiving into `/in` and `down`
 * sending from `/out` (GatewayHome/in, /out).
 */
import { hashPassword } from '../../src/crypto/passwords.js';
import type { Stores } from '../../src/db/stores/index.js';

export interface SftpServerDeclaration {
  name: string;
  /** The address the server is declared with (a node listens on its indirection of it). */
  address: string;
  login: string;
  publicKey: string;
  password?: string;
}

export async function declareSftpServer(stores: Stores, o: SftpServerDeclaration): Promise<void> {
  const server = await stores.servers.create({
    name: o.name,
    protocol: 'sftp',
    address: o.address,
    enabled: true,
    rootDir: '',
    receiveDir: '',
    sendDir: '',
    tmpReceiveDir: '',
    protoConfig: {},
  });
  const account = await stores.localAccounts.create({
    serverId: server.id,
    login: o.login,
    passwordHash: o.password === undefined ? null : await hashPassword(o.password),
    ipAddresses: [],
  });
  await stores.credentials.create({
    owner: { kind: 'localAccount', id: account.id },
    name: 'key',
    type: 'ssh_public_key',
    value: o.publicKey,
    value2: '',
  });
  for (const [name, isSend, path] of [
    ['up', false, 'in'],
    ['down', true, 'out'],
  ] as const) {
    await stores.rules.create({
      name,
      isSend,
      comment: '',
      path,
      localDir: '',
      remoteDir: '',
      tmpLocalRcvDir: '',
      preTasks: [],
      postTasks: [],
      errorTasks: [],
    });
  }
}
