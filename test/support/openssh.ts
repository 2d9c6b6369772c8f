/**
 * The real OpenSSH `sftp` client, as partners use it: key authentication (a key generated with
 * ssh-keygen into a temp dir), batch mode, no host key checks (tests only talk to this machine).
 */
import type { ChildProcess } from 'node:child_process';
import { execFile, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface SshKey {
  /** Private key file (0600). */
  readonly file: string;
  /** `ssh-ed25519 AAAA... comment` */
  readonly publicKey: string;
}

/** Generates an ed25519 key pair into `dir`. */
export async function generateKey(dir: string, name = 'id_ed25519'): Promise<SshKey> {
  const file = join(dir, name);
  await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'test', '-f', file]);
  return { file, publicKey: readFileSync(`${file}.pub`, 'utf8').trim() };
}

export interface SftpOptions {
  /** The address to connect to; 127.0.0.1 when absent. */
  host?: string;
  port: number;
  user: string;
  key: string;
  /** Bandwidth limit in Kbit/s (`-l`), to make a transfer last. */
  limitKbps?: number;
  /** `-c CIPHER`; the client's default when absent. */
  cipher?: string;
  cwd?: string;
}

export function sftpArgs(o: SftpOptions): string[] {
  return [
    '-b',
    '-',
    '-P',
    String(o.port),
    '-i',
    o.key,
    '-o',
    'StrictHostKeyChecking=no',
    '-o',
    'UserKnownHostsFile=/dev/null',
    '-o',
    'BatchMode=yes',
    '-o',
    'IdentitiesOnly=yes',
    '-o',
    'LogLevel=ERROR',
    ...(o.limitKbps === undefined ? [] : ['-l', String(o.limitKbps)]),
    ...(o.cipher === undefined || o.cipher === '' ? [] : ['-c', o.cipher]),
    `${o.user}@${o.host ?? '127.0.0.1'}`,
  ];
}

export interface SftpResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Starts `sftp` with `commands` as its batch; the caller may kill it. */
export function startSftp(
  o: SftpOptions,
  commands: string[],
): { child: ChildProcess; done: Promise<SftpResult> } {
  return spawnSftp(sftpArgs(o), commands, { cwd: o.cwd });
}

/** Starts `sftp` with these arguments, its batch (`-b -`) on stdin. */
export function spawnSftp(
  args: string[],
  commands: string[],
  opts: { cwd?: string | undefined; env?: NodeJS.ProcessEnv } = {},
): { child: ChildProcess; done: Promise<SftpResult> } {
  const child = spawn('sftp', args, { cwd: opts.cwd, env: opts.env, stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (stderr += c.toString()));
  // sftp may exit before reading its batch (a refused or banned connection): EPIPE is not the
  // result, its exit code and stderr are.
  child.stdin?.on('error', () => undefined);
  child.stdin?.end(commands.join('\n') + '\n');
  const done = new Promise<SftpResult>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
  return { child, done };
}

/** Runs a batch to the end. */
export function sftpBatch(o: SftpOptions, commands: string[]): Promise<SftpResult> {
  return startSftp(o, commands).done;
}
