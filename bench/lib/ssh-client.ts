/**
 * Load generated with ssh2's client (the same client for every target): short password
 * sessions, idle sessions, a write flood, and the gateway's own partner-transfer copy loop.
 */
import { connect as tcpConnect } from 'node:net';
import type { SFTPWrapper } from '../../src/sftp/ssh2.js';
import { Client } from '../../src/sftp/ssh2.js';

export type SshClient = InstanceType<typeof Client>;

export interface Credentials {
  readonly username: string;
  readonly password?: string;
  readonly privateKey?: Buffer;
}

/** Connects and authenticates (Nagle off, as the gateway's own client does). */
export function connect(port: number, creds: Credentials): Promise<SshClient> {
  return new Promise((resolve, reject) => {
    const sock = tcpConnect(port, '127.0.0.1');
    sock.setNoDelay(true);
    const c = new Client();
    const fail = (err: Error): void => {
      c.end();
      reject(err);
    };
    c.once('ready', () => {
      c.off('error', fail);
      c.on('error', () => undefined);
      resolve(c);
    });
    c.once('error', fail);
    c.connect({
      sock,
      username: creds.username,
      ...(creds.password === undefined ? {} : { password: creds.password }),
      ...(creds.privateKey === undefined ? {} : { privateKey: creds.privateKey }),
      hostVerifier: () => true,
      readyTimeout: 60_000,
    });
  });
}

export function openSftp(c: SshClient): Promise<SFTPWrapper> {
  return new Promise((resolve, reject) => c.sftp((err, sftp) => (err ? reject(err) : resolve(sftp))));
}

function sftpOpen(sftp: SFTPWrapper, path: string, flags: 'r' | 'w'): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    sftp.open(path, flags, (err, h) => (err ? reject(err) : resolve(h))),
  );
}

function sftpWrite(sftp: SFTPWrapper, h: Buffer, data: Buffer, position: number): Promise<void> {
  return new Promise((resolve, reject) =>
    sftp.write(h, data, 0, data.length, position, (err) => (err ? reject(err) : resolve())),
  );
}

function sftpClose(sftp: SFTPWrapper, h: Buffer): Promise<void> {
  return new Promise((resolve, reject) => sftp.close(h, (err) => (err ? reject(err) : resolve())));
}

export function end(c: SshClient): Promise<void> {
  return new Promise((resolve) => {
    c.once('close', () => resolve());
    c.end();
  });
}

/** The request sizes ssh2's client settled on (raised by a `limits@openssh.com` reply). */
export function requestSizes(sftp: SFTPWrapper): { read: number; write: number } {
  const s = sftp as unknown as { _maxReadLen: number; _maxWriteLen: number };
  return { read: s._maxReadLen, write: s._maxWriteLen };
}

export interface SessionRate {
  sessions: number;
  failures: number;
  seconds: number;
  perSecond: number;
  firstError: string | undefined;
}

/**
 * `clients` loops for `seconds`, each: connect, password auth, put a 1 KiB file (open, write,
 * close), disconnect. Sessions started before the deadline are counted when they end.
 */
export async function sessionRate(
  port: number,
  creds: Credentials,
  remoteDir: string,
  clients: number,
  seconds: number,
): Promise<SessionRate> {
  const payload = Buffer.alloc(1024, 0x61);
  const started = Date.now();
  const deadline = started + seconds * 1000;
  let sessions = 0;
  let failures = 0;
  let firstError: string | undefined;
  let seq = 0;
  const worker = async (w: number): Promise<void> => {
    while (Date.now() < deadline) {
      const name = `${remoteDir}/s-${w}-${seq++}.bin`;
      try {
        const c = await connect(port, creds);
        try {
          const sftp = await openSftp(c);
          const h = await sftpOpen(sftp, name, 'w');
          await sftpWrite(sftp, h, payload, 0);
          await sftpClose(sftp, h);
        } finally {
          await end(c);
        }
        sessions++;
      } catch (err) {
        failures++;
        firstError ??= (err as Error).message;
      }
    }
  };
  await Promise.all(Array.from({ length: clients }, (_, i) => worker(i)));
  const elapsed = (Date.now() - started) / 1000;
  return { sessions, failures, seconds: elapsed, perSecond: sessions / elapsed, firstError };
}

/** `n` authenticated connections, each with an SFTP channel open, held until `close()`. */
export async function idleSessions(
  port: number,
  creds: Credentials,
  n: number,
): Promise<{ open: number; close(): Promise<void> }> {
  const held: SshClient[] = [];
  // A few at a time, as clients arrive in practice (and not to trip MaxStartups-like limits).
  for (let i = 0; i < n; i += 10) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(10, n - i) }, async () => {
        const c = await connect(port, creds);
        await openSftp(c);
        return c;
      }),
    );
    held.push(...batch);
  }
  return {
    open: held.length,
    close: async () => {
      await Promise.all(held.map((c) => end(c)));
    },
  };
}

/**
 * A client that pipelines WRITE requests as deep as it can (`depth` outstanding, each of the
 * largest size the server allows) into one upload of `bytes`. Resolves with the bytes acknowledged.
 */
export async function floodUpload(
  port: number,
  creds: Credentials,
  path: string,
  bytes: number,
  depth: number,
): Promise<number> {
  const c = await connect(port, creds);
  try {
    const sftp = await openSftp(c);
    const size = requestSizes(sftp).write;
    const chunk = Buffer.alloc(size, 0x62);
    const h = await sftpOpen(sftp, path, 'w');
    let next = 0;
    let acked = 0;
    await new Promise<void>((resolve, reject) => {
      let inFlight = 0;
      const pump = (): void => {
        while (inFlight < depth && next < bytes) {
          const offset = next;
          next += size;
          inFlight++;
          sftp.write(h, chunk, 0, size, offset, (err) => {
            inFlight--;
            if (err) {
              reject(err);
              return;
            }
            acked += size;
            if (acked >= bytes) resolve();
            else pump();
          });
        }
      };
      pump();
    });
    await sftpClose(sftp, h);
    return acked;
  } finally {
    await end(c);
  }
}
