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
import type { ChildProcess } from 'node:child_process';
import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { dirname, join } from 'node:path';
import { tmpdir, userInfo } from 'node:os';
import { freePort } from '../../test/support/sshd.js';
import { sleep } from './measure.js';

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

export async function startOpenSsh(dir: string, clientPublicKey: string): Promise<OpenSshServer> {
  mkdirSync(join(dir, 'files'), { recursive: true });
  mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, 'host_key')]);
  writeFileSync(join(dir, 'authorized_keys'), clientPublicKey + '\n', { mode: 0o600 });
  const passwordUser = makePasswordUser(join(dir, 'pw'));
  const port = await freePort();
  const config = join(dir, 'sshd_config');
  writeFileSync(
    config,
    [
      `Port ${port}`,
      'ListenAddress 127.0.0.1',
      `HostKey ${join(dir, 'host_key')}`,
      `PidFile ${join(dir, 'sshd.pid')}`,
      `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
      'StrictModes no',
      'PermitRootLogin prohibit-password',
      `PasswordAuthentication ${passwordUser === undefined ? 'no' : 'yes'}`,
      'KbdInteractiveAuthentication no',
      'UsePAM no',
      'UseDNS no',
      // 8 clients connecting at once must never hit the unauthenticated-connection limit.
      'MaxStartups 100:30:200',
      'Subsystem sftp internal-sftp',
      'LogLevel ERROR',
      '',
    ].join('\n'),
  );
  const child: ChildProcess = spawn('/usr/sbin/sshd', ['-D', '-e', '-f', config], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  await waitForBanner(port, child, () => stderr);
  return {
    port,
    pid: child.pid ?? 0,
    user: userInfo().username,
    passwordUser,
    files: join(dir, 'files'),
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await exited;
      }
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

async function waitForBanner(port: number, child: ChildProcess, stderr: () => string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`sshd exited (${child.exitCode}): ${stderr()}`);
    const ok = await new Promise<boolean>((resolve) => {
      const s = createConnection(port, '127.0.0.1');
      s.once('data', (d) => {
        s.destroy();
        resolve(d.toString().startsWith('SSH-2.0-'));
      });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    await sleep(50);
  }
  child.kill('SIGKILL');
  throw new Error(`sshd did not answer on port ${port}: ${stderr()}`);
}
