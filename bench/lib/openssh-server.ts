/**
 * The reference server: a private OpenSSH sshd on 127.0.0.1 (its own config, host key and port),
 * `internal-sftp`, key authentication for the OpenSSH `sftp` client runs and password
 * authentication for the session-rate runs.
 *
 * sshd checks passwords against the system's accounts (crypt(3) on /etc/shadow, here yescrypt,
 * Debian's default), so the password runs need an account: a temporary system user
 * `waarpbench` is created for the run and deleted at the end (only when running as root;
 * otherwise the OpenSSH session-rate figure is skipped).
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { tmpdir } from 'node:os';
import { startSshd } from '../../test/support/sshd.js';

export interface OpenSshServer {
  readonly port: number;
  /** The listening sshd: its children's CPU time (cutime) is the sessions' CPU. */
  readonly pid: number;
  /** Key login: the user running the benchmark. */
  readonly user: string;
  /** Password login, when the temporary account could be made. */
  readonly passwordUser: { name: string; password: string; dir: string } | undefined;
  /** A folder the key user reads and writes. */
  readonly files: string;
  stop(): Promise<void>;
}

const benchUser = 'waarpbench';

/** test/support/sshd.ts's private sshd, with the benchmark client's key and password logins. */
export async function startOpenSsh(dir: string, clientPublicKey: string): Promise<OpenSshServer> {
  const passwordUser = makePasswordUser(join(dir, 'pw'));
  const sshd = await startSshd({
    authorizedKeys: [clientPublicKey],
    passwordAuthentication: passwordUser !== undefined,
    // 8 clients connecting at once must never hit the unauthenticated-connection limit.
    config: ['UseDNS no', 'MaxStartups 100:30:200'],
  });
  return {
    port: sshd.port,
    pid: sshd.pid,
    user: sshd.user,
    passwordUser,
    files: sshd.root,
    async stop() {
      await sshd.stop();
      if (passwordUser !== undefined) removePasswordUser();
    },
  };
}

function makePasswordUser(dir: string): OpenSshServer['passwordUser'] {
  if (process.getuid?.() !== 0) return undefined;
  try {
    removePasswordUser();
    mkdirSync(dir, { recursive: true });
    // The account must reach its folder: open the (0700) parents for traversal only.
    for (let d = dirname(dir); d !== dirname(d) && d.startsWith(tmpdir() + '/'); d = dirname(d))
      chmodSync(d, 0o711);
    execFileSync('useradd', [
      '--system',
      '--no-create-home',
      '--home-dir',
      dir,
      '--shell',
      '/usr/sbin/nologin',
      benchUser,
    ]);
    const password = `bench-${Date.now().toString(36)}`;
    execFileSync('chpasswd', [], { input: `${benchUser}:${password}\n` });
    const { uid, gid } = idOf(benchUser);
    chownSync(dir, uid, gid);
    return { name: benchUser, password, dir };
  } catch (err) {
    console.error(`cannot make the temporary account ${benchUser}: ${(err as Error).message}`);
    return undefined;
  }
}

function removePasswordUser(): void {
  try {
    execFileSync('userdel', [benchUser], { stdio: 'ignore' });
  } catch {
    // Not there.
  }
}

function idOf(name: string): { uid: number; gid: number } {
  const line = readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .find((l) => l.startsWith(`${name}:`));
  const parts = line?.split(':') ?? [];
  return { uid: Number(parts[2]), gid: Number(parts[3]) };
}
