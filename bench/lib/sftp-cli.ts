/** The OpenSSH `sftp` client in batch mode with key authentication, timed. */
import { spawn } from 'node:child_process';

export interface SftpTarget {
  readonly port: number;
  readonly user: string;
}

export interface SftpCliOptions {
  readonly key: string;
  readonly cwd: string;
  /** `-c CIPHER`; the client's default (chacha20-poly1305) when empty. */
  readonly cipher?: string;
}

/** Runs the batch; resolves with the seconds the whole command took (connection included). */
export function sftpTimed(target: SftpTarget, o: SftpCliOptions, commands: string[]): Promise<number> {
  const args = [
    '-q',
    '-b',
    '-',
    '-P',
    String(target.port),
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
    ...(o.cipher !== undefined && o.cipher !== '' ? ['-c', o.cipher] : []),
    `${target.user}@127.0.0.1`,
  ];
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn('sftp', args, { cwd: o.cwd, stdio: ['pipe', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    child.stdin.end(commands.join('\n') + '\n');
    child.on('error', reject);
    child.on('close', (code) => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      if (code === 0) resolve(seconds);
      else reject(new Error(`sftp exited with ${code}: ${err.trim()}`));
    });
  });
}
