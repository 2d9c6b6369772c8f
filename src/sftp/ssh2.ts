/**
 * The one import site of ssh2. It is CommonJS: a named ESM import (`import { Server }`) compiles
 * but fails at run time, so the default export is destructured here and re-exported.
 */
import ssh2 from 'ssh2';
import type { Connection, SFTPWrapper } from 'ssh2';
import type { Socket } from 'node:net';
import { createRequire } from 'node:module';

export const { Server, Client, utils } = ssh2;
export const STATUS_CODE = ssh2.utils.sftp.STATUS_CODE;
export const OPEN_MODE = ssh2.utils.sftp.OPEN_MODE;

export type {
  Attributes,
  AuthContext,
  ClientInfo,
  ConnectConfig,
  Connection,
  FileEntry,
  ParsedKey,
  PublicKeyAuthContext,
  ServerConfig,
  SFTPWrapper,
} from 'ssh2';
export type Ssh2Server = InstanceType<typeof ssh2.Server>;

const require = createRequire(import.meta.url);

/** True when ssh2's native crypto binding loaded (without it chacha20-poly1305 runs at half speed). */
export function cryptoBindingAvailable(): boolean {
  try {
    const crypto = require('ssh2/lib/protocol/crypto.js') as { bindingAvailable?: unknown };
    return crypto.bindingAvailable === true;
  } catch {
    return false;
  }
}

/** Every algorithm ssh2 can negotiate, to validate configured lists before ssh2 throws on them. */
export function supportedAlgorithms(): {
  kex: string[];
  cipher: string[];
  hmac: string[];
  serverHostKey: string[];
} {
  const c = require('ssh2/lib/protocol/constants.js') as {
    SUPPORTED_KEX: string[];
    SUPPORTED_CIPHER: string[];
    SUPPORTED_MAC: string[];
    SUPPORTED_SERVER_HOST_KEY: string[];
  };
  return {
    kex: c.SUPPORTED_KEX,
    cipher: c.SUPPORTED_CIPHER,
    hmac: c.SUPPORTED_MAC,
    serverHostKey: c.SUPPORTED_SERVER_HOST_KEY,
  };
}

/**
 * The TCP socket under a server-side connection. ssh2 keeps it private (`_sock`); the server
 * needs it to disable Nagle, cork replies and pause reading when writes back up.
 */
export function socketOf(conn: Connection): Socket | undefined {
  const sock = (conn as unknown as { _sock?: unknown })._sock;
  return sock !== null && typeof sock === 'object' && 'pause' in sock ? (sock as Socket) : undefined;
}

/**
 * The parts of ssh2's SFTP object (lib/protocol/SFTP.js, 1.17) the server reaches into: the
 * version exchange and the raw packet path (to answer `limits@openssh.com`, which ssh2's server
 * cannot send), and the channel's windows (flow control). Undefined when the shape differs
 * (another ssh2 version): callers then fall back to ssh2's own behaviour.
 */
export interface SftpInternals {
  push: (this: SftpInternals, data: Buffer | null) => unknown;
  emit(event: string, ...args: unknown[]): boolean;
  _version: number;
  _extensions: Record<string, string>;
  /** Payloads waiting for the client's window, drained in order by ssh2. */
  _buffer: Buffer[];
  /** Called by ssh2 on CHANNEL_WINDOW_ADJUST when _waitWindow is set (its queue drain). */
  _chunkcb: (() => void) | undefined;
  _waitWindow: boolean;
  _protocol: {
    channelData(id: number, data: Buffer): void;
    channelWindowAdjust(id: number, amount: number): void;
  };
  outgoing: { id: number; window: number; packetSize: number; state: string };
  incoming: { window: number };
}

export function sftpInternals(sftp: SFTPWrapper): SftpInternals | undefined {
  const s = sftp as unknown as Partial<SftpInternals>;
  const ok =
    typeof s.push === 'function' &&
    typeof s._version === 'number' &&
    Array.isArray(s._buffer) &&
    typeof s._protocol?.channelData === 'function' &&
    typeof s._protocol.channelWindowAdjust === 'function' &&
    typeof s.outgoing?.window === 'number' &&
    typeof s.outgoing.packetSize === 'number' &&
    typeof s.incoming?.window === 'number';
  return ok ? (s as SftpInternals) : undefined;
}
