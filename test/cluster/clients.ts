/**
 * The suite's SFTP clients, on the host, through HAProxy's published port, behaving as a real
 * client does when its session is cut: reconnect and continue the upload where the server says
 * it stopped, until it is complete.
 *
 * - OpenSSH's `sftp`: `put` first, then `reput` (which stats the remote file and sends the rest).
 * - ssh2's client: stat, open without truncating, write from that offset, close.
 */
import { readFileSync } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import type { ConnectConfig, SFTPWrapper } from '../../src/sftp/ssh2.js';
import { Client, OPEN_MODE } from '../../src/sftp/ssh2.js';
import { sleep } from '../support/compose.js';
import type {
  Attempt,
  ResilientUpload,
  UploadOptions as SupportUploadOptions,
  UploadOutcome,
} from '../support/resilient-sftp.js';
import { opensshTransfer } from '../support/resilient-sftp.js';
import { sftpUser } from './env.js';

export const MiB = 1 << 20;

export { sha256File, writeRandomFile } from '../support/files.js';

export type { Attempt, ResilientUpload, UploadOutcome } from '../support/resilient-sftp.js';
export { describeAttempts } from '../support/resilient-sftp.js';

/** The suite's clients log in as the demo user. */
export type UploadOptions = Omit<SupportUploadOptions, 'user' | 'direction'>;

/** OpenSSH `sftp`: `put`, then `reput` after every cut, until it succeeds or the deadline. */
export function opensshUpload(o: UploadOptions): ResilientUpload {
  return opensshTransfer({ ...o, user: sftpUser });
}

/** ssh2's client: stat, then write the rest without truncating, after every cut. */
export function ssh2Upload(o: UploadOptions): ResilientUpload {
  const attempts: Attempt[] = [];
  let stop = false;
  let conn: InstanceType<typeof Client> | undefined;
  const privateKey = readFileSync(o.key);
  const done = (async (): Promise<UploadOutcome> => {
    const size = (await stat(o.local)).size;
    while (!stop && Date.now() < o.deadline) {
      const start = Date.now();
      const attempt: Attempt = { command: 'ssh2', start, end: start, ok: false, error: '' };
      const limit = attempts.length === 0 ? o.limitKbps : o.resumeLimitKbps;
      try {
        attempt.ok = await ssh2Attempt(
          o.port,
          privateKey,
          o.local,
          o.remote,
          size,
          limit,
          (offset) => {
            attempt.command = `ssh2@${offset}`;
          },
          (c) => (conn = c),
        );
      } catch (err) {
        attempt.error = (err as Error).message;
      }
      attempt.end = Date.now();
      attempts.push(attempt);
      if (attempt.ok) return { ok: true, attempts };
      await sleep(o.retryDelayMs ?? 500);
    }
    return { ok: false, attempts };
  })();
  return {
    attempts,
    done,
    current: () => undefined,
    abort: () => {
      stop = true;
      conn?.destroy();
      return done;
    },
  };
}

async function ssh2Attempt(
  port: number,
  privateKey: Buffer,
  local: string,
  remote: string,
  size: number,
  limitKbps: number | undefined,
  onOffset: (offset: number) => void,
  onConnection: (conn: InstanceType<typeof Client>) => void,
): Promise<boolean> {
  const conn = new Client();
  onConnection(conn);
  let closed: (err: Error) => void = () => undefined;
  // Rejects as soon as the connection ends: every pending request is then lost.
  const lost = new Promise<never>((_, reject) => {
    closed = reject;
  });
  lost.catch(() => undefined);
  conn.on('error', (err: Error) => closed(new Error(`connection error: ${err.message}`)));
  conn.on('close', () => closed(new Error('connection closed')));
  const config: ConnectConfig = {
    host: '127.0.0.1',
    port,
    username: sftpUser,
    privateKey,
    readyTimeout: 15_000,
    keepaliveInterval: 2000,
    keepaliveCountMax: 3,
  };
  const race = <T>(p: Promise<T>): Promise<T> => Promise.race([p, lost]);
  try {
    await race(
      new Promise<void>((resolve) => {
        conn.once('ready', () => resolve());
        conn.connect(config);
      }),
    );
    const sftp = await race(
      new Promise<SFTPWrapper>((resolve, reject) => conn.sftp((e, s) => (e ? reject(e) : resolve(s)))),
    );
    const offset = await race(
      new Promise<number>((resolve, reject) =>
        sftp.stat(remote, (e, st) => {
          if (!e) return resolve(st.size);
          // NO_SUCH_FILE: nothing received yet.
          if ((e as Error & { code?: number }).code === 2) return resolve(0);
          reject(e);
        }),
      ),
    );
    onOffset(offset);
    if (offset >= size) return true; // complete already (a cut hid the final status)
    const flags = OPEN_MODE.WRITE | OPEN_MODE.CREAT | (offset === 0 ? OPEN_MODE.TRUNC : 0);
    const handle = await race(
      new Promise<Buffer>((resolve, reject) =>
        sftp.open(remote, flags, (e, h) => (e ? reject(e) : resolve(h))),
      ),
    );
    const fh = await open(local, 'r');
    try {
      const chunk = 32 * 1024;
      const inFlight = new Set<Promise<void>>();
      const started = Date.now();
      const bytesPerMs = limitKbps === undefined ? undefined : (limitKbps * 1000) / 8 / 1000;
      for (let pos = offset; pos < size; pos += chunk) {
        // Paced like `sftp -l`: never ahead of the cap.
        if (bytesPerMs !== undefined) {
          const ahead = (pos - offset) / bytesPerMs - (Date.now() - started);
          if (ahead > 5) await race(sleep(ahead));
        }
        const buf = Buffer.alloc(Math.min(chunk, size - pos));
        await fh.read(buf, 0, buf.length, pos);
        const p = new Promise<void>((resolve, reject) =>
          sftp.write(handle, buf, 0, buf.length, pos, (e) => (e ? reject(e) : resolve())),
        );
        inFlight.add(p);
        void p.then(
          () => inFlight.delete(p),
          () => inFlight.delete(p),
        );
        if (inFlight.size >= 32) await race(Promise.race(inFlight));
      }
      await race(Promise.all(inFlight));
    } finally {
      await fh.close();
    }
    // The server completes the transfer when the file is closed: an error here is a failure.
    await race(
      new Promise<void>((resolve, reject) => sftp.close(handle, (e) => (e ? reject(e) : resolve()))),
    );
    return true;
  } finally {
    conn.end();
  }
}

/**
 * Samples the size of a file being written every `everyMs`, to time when bytes flow again
 * after a failure: `flowingAt` is the first time it grew after `since`.
 */
export function watchGrowth(
  path: () => string | undefined,
  since: number,
  everyMs = 50,
): { stop(): void; flowingAt(): number | undefined } {
  let last: number | undefined;
  let flowing: number | undefined;
  const timer = setInterval(() => {
    const p = path();
    if (p === undefined) return;
    stat(p).then(
      (st) => {
        if (last !== undefined && st.size > last && flowing === undefined && Date.now() >= since)
          flowing = Date.now();
        // A resume may truncate the file back to the last checkpoint first: follow it down.
        last = st.size;
      },
      () => undefined,
    );
  }, everyMs);
  return {
    stop: () => clearInterval(timer),
    flowingAt: () => flowing,
  };
}
