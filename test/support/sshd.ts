/**
 * A private OpenSSH sshd on 127.0.0.1 (Debian's openssh-server), with its own config, host key
 * and authorized key, as a real SFTP partner for client transfers and as the benchmark's
 * reference server. Started per test file, stopped in `after`.
 */
import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { userInfo } from 'node:os';
import type { SshKey } from './openssh.js';
import { generateKey } from './openssh.js';
import { makeTempDir, removeTempDir } from './tmp.js';

export interface StartedSshd {
  readonly port: number;
  readonly address: string;
  /** The login that the client key opens (the user running the tests). */
  readonly user: string;
  /** The client key allowed to log in. */
  readonly clientKey: SshKey;
  /** `ssh-ed25519 AAAA…`: the host key to pin. */
  readonly hostPublicKey: string;
  /** A folder for the partner's files (absolute path, reachable through SFTP). */
  readonly root: string;
  /** The listening sshd: its children's CPU time is the sessions' CPU. */
  readonly pid: number;
  stop(): Promise<void>;
}

export interface SshdOptions {
  /** More public keys allowed to log in (besides `clientKey`). */
  authorizedKeys?: string[];
  /** Password logins against the system's accounts (default: keys only). */
  passwordAuthentication?: boolean;
  /** More sshd_config lines. */
  config?: string[];
}

const sshdPath = '/usr/sbin/sshd';

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export async function startSshd(options: SshdOptions = {}): Promise<StartedSshd> {
  if (!existsSync(sshdPath)) {
    throw new Error(`${sshdPath} not found: install openssh-server (Debian) — .ci/run does it`);
  }
  const dir = await makeTempDir('sshd');
  const root = join(dir, 'files');
  mkdirSync(root, { recursive: true });
  // sshd refuses to start without its privilege-separation folder.
  mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
  const hostKey = await generateKey(dir, 'host_ed25519');
  const clientKey = await generateKey(dir, 'client_ed25519');
  const authorized = [clientKey.publicKey, ...(options.authorizedKeys ?? [])];
  writeFileSync(join(dir, 'authorized_keys'), authorized.join('\n') + '\n', { mode: 0o600 });
  const port = await freePort();
  const config = join(dir, 'sshd_config');
  writeFileSync(
    config,
    [
      `Port ${port}`,
      'ListenAddress 127.0.0.1',
      `HostKey ${hostKey.file}`,
      `PidFile ${join(dir, 'sshd.pid')}`,
      `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
      'StrictModes no',
      'PermitRootLogin prohibit-password',
      `PasswordAuthentication ${options.passwordAuthentication === true ? 'yes' : 'no'}`,
      'KbdInteractiveAuthentication no',
      'UsePAM no',
      'Subsystem sftp internal-sftp',
      'LogLevel ERROR',
      ...(options.config ?? []),
      '',
    ].join('\n'),
  );
  const child: ChildProcess = spawn(sshdPath, ['-D', '-e', '-f', config], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  await waitForBanner(port, child, () => stderr);
  let stopped: Promise<void> | undefined;
  return {
    port,
    address: `127.0.0.1:${port}`,
    user: userInfo().username,
    clientKey,
    hostPublicKey: readFileSync(`${hostKey.file}.pub`, 'utf8').trim(),
    root,
    pid: child.pid ?? 0,
    stop: () =>
      (stopped ??= (async () => {
        if (child.exitCode === null) {
          const exited = new Promise((resolve) => child.once('exit', resolve));
          child.kill('SIGTERM');
          await exited;
        }
        await removeTempDir(dir);
      })()),
  };
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
    await new Promise((r) => setTimeout(r, 50));
  }
  child.kill('SIGKILL');
  throw new Error(`sshd did not answer on port ${port}: ${stderr()}`);
}
