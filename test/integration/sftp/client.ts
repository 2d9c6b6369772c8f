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
