/**
 * An authenticated SFTP session to a partner, with the partner's host key pinned: a partner
 * without an `ssh_public_key` credential is refused (no trust on first use).
 */
import ssh2 from 'ssh2';
import type { Client as SshClient, ConnectConfig, SFTPWrapper, Stats } from 'ssh2';
import { modernCiphers, modernKeyExchanges, modernMacs } from '../crypto/ssh-algorithms.js';
import { TransferError } from '../model/transfer-state.js';

const { Client, utils } = ssh2;

export interface SessionTarget {
  /** host:port, after address indirection. */
  address: string;
  partnerName: string;
  /** OpenSSH public keys the partner's host key must be one of. */
  hostKeys: string[];
  login: string;
  password: string | undefined;
  privateKeys: string[];
  localAddress?: string | undefined;
  algorithms?: ConnectConfig['algorithms'];
}

/** Modern algorithms only, the same as our server's. */
export const defaultClientAlgorithms: NonNullable<ConnectConfig['algorithms']> = {
  kex: [...modernKeyExchanges],
  cipher: [...modernCiphers],
  hmac: [...modernMacs],
};

export class SftpSession {
  private constructor(
    readonly conn: SshClient,
    readonly sftp: SFTPWrapper,
  ) {}

  static async open(target: SessionTarget, timeoutMs = 10_000): Promise<SftpSession> {
    if (target.hostKeys.length === 0) {
      throw new TransferError(
        'TeUnknownRemote',
        `partner "${target.partnerName}" has no ssh_public_key credential: its host key cannot be verified, ` +
          'refusing to connect (add the partner host key as a credential)',
      );
    }
    const pinned = target.hostKeys.map((k) => publicBlob(k));
    const [host, port] = splitAddress(target.address);
    const conn = new Client();
    let hostKeyRejected = false;
    // ssh2 may emit several errors (e.g. "connection lost before handshake" after a refusal):
    // a permanent listener keeps a second one from crashing the node.
    let failed: (err: Error) => void = () => undefined;
    conn.on('error', (err: Error) => failed(err));
    const ready = new Promise<void>((resolve, reject) => {
      conn.once('ready', resolve);
      failed = reject;
    });
    conn.connect({
      host,
      port,
      username: target.login,
      ...(target.password !== undefined ? { password: target.password } : {}),
      ...(target.privateKeys[0] !== undefined ? { privateKey: target.privateKeys[0] } : {}),
      ...(target.localAddress ? { localAddress: target.localAddress } : {}),
      readyTimeout: timeoutMs,
      keepaliveInterval: 10_000,
      algorithms: target.algorithms ?? defaultClientAlgorithms,
      hostVerifier: (key: Buffer) => {
        const ok = pinned.some((p) => p.equals(key));
        if (!ok) hostKeyRejected = true;
        return ok;
      },
    });
    try {
      await ready;
    } catch (err) {
      conn.end();
      throw classifyConnectError(err, target, hostKeyRejected);
    }
    // Nagle's algorithm stalls request/response SFTP traffic (docs/sftp-performance.md).
    (conn as unknown as { _sock?: { setNoDelay?: (v: boolean) => void } })._sock?.setNoDelay?.(true);
    const sftp = await new Promise<SFTPWrapper>((resolve, reject) =>
      conn.sftp((err, s) => (err ? reject(err) : resolve(s))),
    ).catch((err: unknown) => {
      conn.end();
      throw new TransferError(
        'TeConnection',
        `partner refused the sftp subsystem: ${(err as Error).message}`,
      );
    });
    return new SftpSession(conn, sftp);
  }

  close(): void {
    this.sftp.end();
    this.conn.end();
  }

  stat(path: string): Promise<Stats | undefined> {
    return new Promise((resolve, reject) =>
      this.sftp.stat(path, (err, stats) => {
        if (err === undefined || err === null) resolve(stats);
        else if ((err as { code?: number }).code === 2) resolve(undefined);
        else reject(err);
      }),
    );
  }

  open(path: string, flags: 'r' | 'r+' | 'w' | 'wx' | 'a'): Promise<Buffer> {
    return new Promise((resolve, reject) =>
      this.sftp.open(path, flags, (err, handle) => (err ? reject(mapSftpError(err, path)) : resolve(handle))),
    );
  }

  closeHandle(handle: Buffer): Promise<void> {
    return new Promise((resolve, reject) =>
      this.sftp.close(handle, (err) => (err ? reject(err) : resolve())),
    );
  }

  truncate(handle: Buffer, size: number): Promise<void> {
    return new Promise((resolve, reject) =>
      this.sftp.fsetstat(handle, { size }, (err) => (err ? reject(err) : resolve())),
    );
  }

  async mkdirp(dir: string): Promise<void> {
    const parts = dir.split('/').filter((p) => p !== '');
    let current = dir.startsWith('/') ? '' : '.';
    for (const part of parts) {
      current = `${current}/${part}`;
      if ((await this.stat(current).catch(() => undefined)) !== undefined) continue;
      await new Promise<void>((resolve) => this.sftp.mkdir(current, () => resolve()));
    }
  }
}

function publicBlob(openSshKey: string): Buffer {
  const key = utils.parseKey(openSshKey);
  if (key instanceof Error) throw new TransferError('TeInternal', 'a pinned host key is invalid');
  return key.getPublicSSH();
}

function splitAddress(address: string): [string, number] {
  const m = /^\[?([^\]]*?)\]?:(\d+)$/.exec(address);
  if (m === null || m[1] === undefined || m[2] === undefined) return [address, 22];
  return [m[1], Number(m[2])];
}

function classifyConnectError(err: unknown, target: SessionTarget, hostKeyRejected: boolean): TransferError {
  const message = (err as Error).message ?? String(err);
  if (hostKeyRejected) {
    return new TransferError(
      'TeForbidden',
      `partner "${target.partnerName}" at ${target.address} presented a host key that is not pinned: refusing`,
    );
  }
  if ((err as { level?: string }).level === 'client-authentication') {
    return new TransferError(
      'TeBadAuthentication',
      `partner "${target.partnerName}" refused login "${target.login}"`,
    );
  }
  return new TransferError(
    'TeConnection',
    `cannot connect to partner "${target.partnerName}" at ${target.address}: ${message}`,
  );
}

export function mapSftpError(err: unknown, path: string): TransferError {
  const code = (err as { code?: number }).code;
  if (code === 2) return new TransferError('TeFileNotFound', `${path}: no such file on the partner`);
  if (code === 3) return new TransferError('TeForbidden', `${path}: permission denied by the partner`);
  return new TransferError('TeDataTransfer', `${path}: ${(err as Error).message}`);
}
