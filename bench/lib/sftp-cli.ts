/** The OpenSSH `sftp` client in batch mode with key authentication (test/support/openssh.ts), timed. */
import { sftpBatch } from '../../test/support/openssh.js';

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
export async function sftpTimed(target: SftpTarget, o: SftpCliOptions, commands: string[]): Promise<number> {
  const started = process.hrtime.bigint();
  const r = await sftpBatch(
    { port: target.port, user: target.user, key: o.key, cwd: o.cwd, cipher: o.cipher },
    commands,
  );
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (r.code !== 0) throw new Error(`sftp exited with ${r.code ?? r.signal}: ${r.stderr.trim()}`);
  return seconds;
}
