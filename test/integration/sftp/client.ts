/** ssh2's SFTP client for tests (password auth, raw requests, cut-off sessions). */
import { Client } from '../../../src/sftp/ssh2.js';
import type { ConnectConfig, SFTPWrapper } from '../../../src/sftp/ssh2.js';

export interface SftpClient {
  readonly sftp: SFTPWrapper;
  /** Ends the connection (without closing open handles first). */
  end(): Promise<void>;
  /** Cuts the TCP connection abruptly, like a killed client. */
  destroy(): void;
}

export function connect(port: number, config: Omit<ConnectConfig, 'host' | 'port'>): Promise<SftpClient> {
  return new Promise((resolve, reject) => {
    const conn = new Client();
    let closed = false;
    conn.on('close', () => {
      closed = true;
      // A server that closes before the login (no error on this side) must not hang the test.
      reject(new Error('the connection closed before the login completed'));
    });
    conn.on('error', reject);
    conn.on('ready', () => {
      (conn as unknown as { setNoDelay(v: boolean): void }).setNoDelay(true);
      conn.sftp((err, sftp) => {
        if (err) return reject(err);
        resolve({
          sftp,
          end: () =>
            new Promise<void>((r) => {
              if (closed) return r();
              conn.once('close', () => r());
              conn.end();
            }),
          destroy: () => (conn as unknown as { _sock: { destroy(): void } })._sock.destroy(),
        });
      });
    });
    conn.connect({ host: '127.0.0.1', port, readyTimeout: 10_000, ...config });
  });
}

/** Promisified helpers over the callback API. */
export const p = {
  open: (s: SFTPWrapper, path: string, flags: string | number): Promise<Buffer> =>
    new Promise((res, rej) => s.open(path, flags as 'w', (e, h) => (e ? rej(e) : res(h)))),
  write: (s: SFTPWrapper, h: Buffer, data: Buffer, position: number): Promise<void> =>
    new Promise((res, rej) => s.write(h, data, 0, data.length, position, (e) => (e ? rej(e) : res()))),
  read: (s: SFTPWrapper, h: Buffer, length: number, position: number): Promise<Buffer> =>
    new Promise((res, rej) => {
      const buf = Buffer.alloc(length);
      s.read(h, buf, 0, length, position, (e, n) => (e ? rej(e) : res(buf.subarray(0, n))));
    }),
  close: (s: SFTPWrapper, h: Buffer): Promise<void> =>
    new Promise((res, rej) => s.close(h, (e) => (e ? rej(e) : res()))),
  stat: (s: SFTPWrapper, path: string): Promise<{ size: number; isDirectory(): boolean }> =>
    new Promise((res, rej) => s.stat(path, (e, st) => (e ? rej(e) : res(st)))),
  readdir: (s: SFTPWrapper, path: string): Promise<string[]> =>
    new Promise((res, rej) => s.readdir(path, (e, list) => (e ? rej(e) : res(list.map((x) => x.filename))))),
  writeFile: (s: SFTPWrapper, path: string, data: Buffer): Promise<void> =>
    new Promise((res, rej) => s.writeFile(path, data, (e) => (e ? rej(e) : res()))),
  readFile: (s: SFTPWrapper, path: string): Promise<Buffer> =>
    new Promise((res, rej) => s.readFile(path, (e, d) => (e ? rej(e) : res(d)))),
  mkdir: (s: SFTPWrapper, path: string): Promise<void> =>
    new Promise((res, rej) => s.mkdir(path, (e) => (e ? rej(e) : res()))),
  rename: (s: SFTPWrapper, from: string, to: string): Promise<void> =>
    new Promise((res, rej) => s.rename(from, to, (e) => (e ? rej(e) : res()))),
  unlink: (s: SFTPWrapper, path: string): Promise<void> =>
    new Promise((res, rej) => s.unlink(path, (e) => (e ? rej(e) : res()))),
  setstat: (s: SFTPWrapper, path: string): Promise<void> =>
    new Promise((res, rej) => s.setstat(path, { mode: 0o600 }, (e) => (e ? rej(e) : res()))),
};

/** Attributes as ssh2 gives them. */
export interface Stat {
  size: number;
  mode: number;
  atime: number;
  mtime: number;
  isDirectory(): boolean;
}

/** An SFTP error as ssh2's client reports it: the status code and the server's message. */
export type StatusError = Error & { code?: number };

/** More requests, raw attributes and the OpenSSH extensions. */
export const q = {
  setstat: (s: SFTPWrapper, path: string, attrs: Record<string, number>): Promise<void> =>
    new Promise((res, rej) => s.setstat(path, attrs, (e) => (e ? rej(e) : res()))),
  fsetstat: (s: SFTPWrapper, h: Buffer, attrs: Record<string, number>): Promise<void> =>
    new Promise((res, rej) => s.fsetstat(h, attrs, (e) => (e ? rej(e) : res()))),
  stat: (s: SFTPWrapper, path: string): Promise<Stat> =>
    new Promise((res, rej) => s.stat(path, (e, st) => (e ? rej(e) : res(st)))),
  lstat: (s: SFTPWrapper, path: string): Promise<Stat> =>
    new Promise((res, rej) => s.lstat(path, (e, st) => (e ? rej(e) : res(st)))),
  fstat: (s: SFTPWrapper, h: Buffer): Promise<Stat> =>
    new Promise((res, rej) => s.fstat(h, (e, st) => (e ? rej(e) : res(st)))),
  list: (s: SFTPWrapper, path: string): Promise<{ filename: string; attrs: Stat }[]> =>
    new Promise((res, rej) => s.readdir(path, (e, l) => (e ? rej(e) : res(l)))),
  rmdir: (s: SFTPWrapper, path: string): Promise<void> =>
    new Promise((res, rej) => s.rmdir(path, (e) => (e ? rej(e) : res()))),
  posixRename: (s: SFTPWrapper, from: string, to: string): Promise<void> =>
    new Promise((res, rej) => s.ext_openssh_rename(from, to, (e) => (e ? rej(e) : res()))),
  statvfs: (s: SFTPWrapper, path: string): Promise<Record<string, number>> =>
    new Promise((res, rej) =>
      s.ext_openssh_statvfs(path, (e, v: unknown) => (e ? rej(e) : res(v as Record<string, number>))),
    ),
  fsync: (s: SFTPWrapper, h: Buffer): Promise<void> =>
    new Promise((res, rej) => s.ext_openssh_fsync(h, (e) => (e ? rej(e) : res()))),
  hardlink: (s: SFTPWrapper, from: string, to: string): Promise<void> =>
    new Promise((res, rej) => {
      // Not announced by the server: ssh2 sends it only if it believes it is.
      (s as unknown as { _extensions: Record<string, string> })._extensions['hardlink@openssh.com'] = '1';
      s.ext_openssh_hardlink(from, to, (e) => (e ? rej(e) : res()));
    }),
  readlink: (s: SFTPWrapper, path: string): Promise<string> =>
    new Promise((res, rej) => s.readlink(path, (e, t) => (e ? rej(e) : res(t)))),
};

/** ssh2's stand-in texts for a status that came without a message. */
export const defaultStatusTexts = [
  'No error',
  'End of file',
  'No such file or directory',
  'Permission denied',
  'Failure',
  'Bad message',
  'Operation unsupported',
  'Unknown status',
];

/** The rejection of `op`, checked to carry the status `code` and a message of the server's own. */
export async function refusal(op: Promise<unknown>, code: number, pattern?: RegExp): Promise<StatusError> {
  let err: StatusError | undefined;
  try {
    await op;
  } catch (e) {
    err = e as StatusError;
  }
  if (err === undefined) throw new Error(`expected a refusal with status ${code}, the request succeeded`);
  if (err.code !== code) throw new Error(`expected status ${code}, got ${err.code}: ${err.message}`);
  if (defaultStatusTexts.includes(err.message))
    throw new Error(`the status ${code} came without a message of the server's own`);
  if (pattern !== undefined && !pattern.test(err.message))
    throw new Error(`message "${err.message}" does not match ${String(pattern)}`);
  return err;
}
