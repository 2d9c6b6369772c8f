/**
 * OpenSSH's `sftp` used as a patient partner does when its session is cut: reconnect and
 * continue where the server says the file stopped (`reput` for an upload, `reget` for a
 * download), until the file is complete or the deadline passes.
 */
import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { sftpArgs } from './openssh.js';

export interface Attempt {
  /** `put`, `reput`, `get`, `reget`, or `ssh2@<offset>`. */
  command: string;
  start: number;
  end: number;
  ok: boolean;
  error: string;
}

export interface UploadOutcome {
  ok: boolean;
  attempts: Attempt[];
}

export interface ResilientUpload {
  readonly attempts: Attempt[];
  readonly done: Promise<UploadOutcome>;
  /** The `sftp` process of the current attempt (OpenSSH only). */
  current(): ChildProcess | undefined;
  /** Stops now: no more attempts, the current one is cut (for cleanup after a failure). */
  abort(): Promise<UploadOutcome>;
}

export interface UploadOptions {
  port: number;
  user: string;
  key: string;
  local: string;
  /** Remote path, e.g. /demo/x.bin. */
  remote: string;
  /** Bandwidth cap of the first attempt in Kbit/s (sftp -l), so the upload lasts. */
  limitKbps?: number;
  /** Cap of the attempts that resume (default: none). */
  resumeLimitKbps?: number;
  /** Gives up after this time (epoch ms). */
  deadline: number;
  /** Pause between attempts. */
  retryDelayMs?: number;
  /** `download`: `get` then `reget` into `local` (default: upload, `put` then `reput`). */
  direction?: 'upload' | 'download';
}

/** `put ✗ Connection closed… | reput ✗×12 kex_exchange… | reput ✓` (consecutive alike attempts folded). */
export function describeAttempts(attempts: readonly Attempt[]): string {
  const parts: { text: string; n: number }[] = [];
  for (const a of attempts) {
    const what = a.command.replace(/@\d+$/, '');
    const text = a.ok ? `${what} ok` : `${what} failed (${a.error.split('\n')[0]!.trim().slice(0, 70)})`;
    const last = parts.at(-1);
    if (last?.text === text) last.n++;
    else parts.push({ text, n: 1 });
  }
  return parts.map((p) => (p.n > 1 ? `${p.text} x${p.n}` : p.text)).join(' | ');
}

/** `put` (or `get`), then `reput` (`reget`) after every cut, until it succeeds or the deadline. */
export function opensshTransfer(o: UploadOptions): ResilientUpload {
  const attempts: Attempt[] = [];
  const upload = o.direction !== 'download';
  let child: ChildProcess | undefined;
  let stop = false;
  const done = (async (): Promise<UploadOutcome> => {
    let resume = false;
    while (!stop && Date.now() < o.deadline) {
      const start = Date.now();
      const limit = attempts.length === 0 ? o.limitKbps : o.resumeLimitKbps;
      const args = sftpArgs({ port: o.port, user: o.user, key: o.key, limitKbps: limit });
      // A dead peer is noticed in about 6 s even if nothing resets the TCP connection.
      args.splice(
        args.length - 1,
        0,
        '-o',
        'ServerAliveInterval=2',
        '-o',
        'ServerAliveCountMax=3',
        '-o',
        'ConnectTimeout=15',
      );
      const proc = spawn('sftp', args, { stdio: ['pipe', 'pipe', 'pipe'] });
      child = proc;
      let stderr = '';
      proc.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      proc.stdout.resume();
      // sftp may exit before reading its batch (connection refused): EPIPE is not an error here.
      proc.stdin.on('error', () => undefined);
      const command = upload ? (resume ? 'reput' : 'put') : resume ? 'reget' : 'get';
      proc.stdin.end(upload ? `${command} ${o.local} ${o.remote}\n` : `${command} ${o.remote} ${o.local}\n`);
      const code = await new Promise<number | null>((resolve) => {
        proc.once('error', () => resolve(-1));
        proc.once('close', (c) => resolve(c));
      });
      child = undefined;
      const error = stderr.trim();
      // reput of a file the server already completed (the cut hid the final status): done, and
      // the caller checks the file's checksum. OpenSSH 9.2 says "destination file same size or
      // larger"; older ones "bigger or same size".
      const complete = resume && /same size or larger|bigger or same size/i.test(error);
      attempts.push({ command, start, end: Date.now(), ok: code === 0 || complete, error });
      if (code === 0 || complete) return { ok: true, attempts };
      // Cut before the login (the session never started): the same command again. Nothing of
      // it reached the other side yet: start over.
      const beforeLogin = /kex_exchange_identification|banner exchange|connection refused/i.test(error);
      if (!beforeLogin) resume = !(resume && /no such file|not found/i.test(error));
      await new Promise((r) => setTimeout(r, o.retryDelayMs ?? 300));
    }
    return { ok: false, attempts };
  })();
  return {
    attempts,
    done,
    current: () => child,
    abort: () => {
      stop = true;
      child?.kill('SIGTERM');
      return done;
    },
  };
}
