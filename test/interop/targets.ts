/**
 * The two servers every client is run against, laid out alike so one test fits both: uploads
 * go to `in/`, files offered for download are in `out/`, paths are relative to the login folder.
 *
 * - gateway: a real `waarp-gatewayd` process on SQLite, set up through REST as an operator would
 *   (a server; one account per client, with a key and a password; a receive rule `in` and a send
 *   rule `out`). Each client's records are its account's, so clients can run side by side.
 * - openssh: a private sshd with `internal-sftp` started in a folder holding `in/` and `out/`;
 *   a second port serves the same folder read-only, as the equivalent of a send-only folder.
 */
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, statSync, utimesSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { startLoneNode } from '../support/cluster.js';
import type { SshKey } from '../support/openssh.js';
import { freePort, startSshd } from '../support/sshd.js';
import { makeTempDir, removeTempDir } from '../support/tmp.js';
import { GatewayRecords } from './records.js';
import { run } from './run.js';

export type TargetName = 'gateway' | 'openssh';
export const targetNames: readonly TargetName[] = ['gateway', 'openssh'];

export interface Endpoint {
  readonly port: number;
  readonly user: string;
  /** `SHA256:…` of the server's host key (PuTTY pins it). */
  readonly hostKey: string;
}

export interface Target {
  readonly name: TargetName;
  /** Where a client logs in (on the gateway, with its own account). */
  endpoint(client: string): Endpoint;
  /** Where an upload to `out/` must be refused: the same server on the gateway, the read-only port on OpenSSH. */
  sendOnly(client: string): Endpoint;
  /** The real file behind a path of the tree (`in/x`, `out/x`). */
  localPath(remote: string): string;
  /** Offers a local file for download at `out/<name>` (with its modification time). */
  offer(localFile: string, name: string): void;
  /** The gateway's transfer records of a client's account (undefined for OpenSSH, which keeps none). */
  records(client: string): GatewayRecords | undefined;
  stop(): Promise<void>;
}

/** A path that no rule (gateway) and no folder (OpenSSH) covers. */
export const outsidePath = '/nowhere/file.txt';

function offerInto(localPath: (remote: string) => string) {
  return (localFile: string, name: string): void => {
    const dest = localPath(`out/${name}`);
    mkdirSync(dirname(dest), { recursive: true });
    copyFileSync(localFile, dest);
    const { atime, mtime } = statSync(localFile);
    utimesSync(dest, atime, mtime);
  };
}

export async function startOpensshTarget(key: SshKey): Promise<Target> {
  const tree = await makeTempDir('interop-openssh-tree');
  mkdirSync(join(tree, 'in'));
  mkdirSync(join(tree, 'out'));
  const readOnlyPort = await freePort();
  const sshd = await startSshd({
    authorizedKeys: [key.publicKey],
    // Root may never log in by password here (PermitRootLogin prohibit-password): every
    // password is wrong, which is what the wrong-password check needs.
    passwordAuthentication: true,
    config: [
      `ListenAddress 127.0.0.1:${readOnlyPort}`,
      `ForceCommand internal-sftp -d ${tree}`,
      `Match LocalPort ${readOnlyPort}`,
      `ForceCommand internal-sftp -R -d ${tree}`,
    ],
  });
  const hostKey = fingerprint(sshd.hostPublicKey);
  const localPath = (remote: string): string => join(tree, remote);
  return {
    name: 'openssh',
    endpoint: () => ({ port: sshd.port, user: sshd.user, hostKey }),
    sendOnly: () => ({ port: readOnlyPort, user: sshd.user, hostKey }),
    localPath,
    offer: offerInto(localPath),
    records: () => undefined,
    stop: async () => {
      await sshd.stop();
      await removeTempDir(tree);
    },
  };
}

/** `logins`: one account each (the clients' names), all with the same key and password. */
export async function startGatewayTarget(
  key: SshKey,
  password: string,
  logins: readonly string[],
): Promise<Target> {
  // No login bans: the wrong-password checks of eight clients would ban 127.0.0.1 for the rest
  // of the run (bans have their own tests).
  const gw = await startLoneNode({ ini: { security: { MaxLoginFailures: '0' } } });
  try {
    const { node } = gw;
    const post = async (path: string, body: unknown): Promise<void> => {
      const res = await node.api(path, { method: 'POST', body: JSON.stringify(body) });
      if (res.status !== 201) throw new Error(`POST ${path}: ${res.status} ${await res.text()}`);
    };
    await post('/api/servers', { name: 'sftp', protocol: 'sftp', address: `127.0.0.1:${node.sftpPort}` });
    for (const login of logins) {
      await post('/api/servers/sftp/accounts', { login, password });
      await post(`/api/servers/sftp/accounts/${login}/credentials`, {
        name: 'key',
        type: 'ssh_public_key',
        value: key.publicKey,
      });
    }
    await post('/api/rules', { name: 'inbox', isSend: false, path: 'in' });
    await post('/api/rules', { name: 'outbox', isSend: true, path: 'out' });
    const hostKey = await scanHostKey(node.sftpPort);
    // The default folders of the embedded configuration (docs/sftp.md, "Paths and rules").
    const localPath = (remote: string): string => join(gw.home, remote);
    const endpoint = (client: string): Endpoint => ({ port: node.sftpPort, user: client, hostKey });
    return {
      name: 'gateway',
      endpoint,
      sendOnly: endpoint,
      localPath,
      offer: offerInto(localPath),
      records: (client) => new GatewayRecords((path, init) => node.api(path, init), client),
      stop: () => gw.stop(),
    };
  } catch (err) {
    await gw.stop();
    throw err;
  }
}

/** The listener starts within the service's reconcile pass: waits for its host key. */
async function scanHostKey(port: number): Promise<string> {
  // The node opens the listener at its next reconcile pass; on a loaded machine 20 s was short.
  const deadline = Date.now() + 60_000;
  for (;;) {
    const r = await run('ssh-keyscan', ['-t', 'ed25519', '-p', String(port), '127.0.0.1'], {
      timeoutMs: 10_000,
    });
    const line = r.stdout.split('\n').find((l) => l.includes('ssh-ed25519'));
    if (line !== undefined) return fingerprint(line.split(' ').slice(1).join(' '));
    if (Date.now() > deadline) throw new Error(`no SSH host key on port ${port}: ${r.output}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** `SHA256:…` of `ssh-ed25519 AAAA…` (as `ssh-keygen -l` prints it). */
function fingerprint(publicKey: string): string {
  const blob = Buffer.from(publicKey.trim().split(/\s+/)[1] ?? '', 'base64');
  return `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
}
