/**
 * The `limits@openssh.com` SFTP extension, which ssh2's server does not offer, and the raw
 * VERSION and EXTENDED_REPLY packets every extension needs.
 *
 * Clients size their READ and WRITE requests from it: without it the OpenSSH `sftp` client
 * and ssh2's client (our own partner transfers) stay at about 32 KiB per request, eight times
 * as many requests, replies and disk calls as with the 255 KiB that OpenSSH's own server
 * allows. ssh2's parser accepts SFTP packets up to 256 KiB, so the limits below are
 * OpenSSH's own.
 *
 * ssh2's server answers INIT with a fixed VERSION (no extensions) and has no way to send an
 * EXTENDED_REPLY, so both are written here on ssh2's raw packet path, with its channel window
 * accounting; anything unexpected falls back to ssh2's own VERSION (no extension: clients keep
 * their small requests, nothing breaks).
 */
import type { SFTPWrapper, SftpInternals } from './ssh2.js';
import { sftpInternals } from './ssh2.js';

/** Largest SFTP packet ssh2 parses (OPENSSH_MAX_PKT_LEN), and OpenSSH's SFTP_MAX_MSG_LENGTH. */
export const maxPacketLength = 256 * 1024;
/** OpenSSH's values: room for the packet header within maxPacketLength. */
export const maxReadLength = maxPacketLength - 1024;
export const maxWriteLength = maxPacketLength - 1024;
/** Handles one session may hold open (enforced by the session). */
export const maxOpenHandles = 1024;

export const limitsExtension = 'limits@openssh.com';

/**
 * The extensions announced in VERSION (name and version, as OpenSSH's server announces them):
 * clients use them only when announced (`df` needs statvfs, `put -f` fsync, paramiko's
 * `posix_rename`...). Requests are answered in extensions.ts.
 */
export const serverExtensions: readonly (readonly [string, string])[] = [
  [limitsExtension, '1'],
  ['posix-rename@openssh.com', '1'],
  ['statvfs@openssh.com', '2'],
  ['fstatvfs@openssh.com', '2'],
  ['fsync@openssh.com', '1'],
];

const SSH_FXP_INIT = 1;
const SSH_FXP_VERSION = 2;
const SSH_FXP_EXTENDED_REPLY = 201;
/** A sane INIT: version plus a few extension pairs. */
const maxInitLength = 64 * 1024;

/**
 * Handles the client's INIT packet (whole, length included): answers with a VERSION that offers
 * `limits@openssh.com` and sets ssh2's version state as its own INIT handler would. False when
 * the packet is not a sane INIT or the answer cannot be sent: the caller then hands the packet
 * to ssh2, which answers without the extension (or reports the error).
 */
export function acceptInit(inner: SftpInternals, packet: Buffer): boolean {
  if (packet.length < 9 || packet[4] !== SSH_FXP_INIT || packet.length > 4 + maxInitLength) return false;
  const init = parseInit(packet);
  if (init === undefined || inner._version !== -1 || !sendPacket(inner, versionPacket())) return false;
  inner._version = init.version;
  inner._extensions = init.extensions;
  inner.emit('ready');
  return true;
}

/** The body of the EXTENDED_REPLY to a `limits@openssh.com` request. */
export function limitsReply(): Buffer {
  return uint64s([maxPacketLength, maxReadLength, maxWriteLength, maxOpenHandles]);
}

/** `values` as consecutive uint64 (the body of most OpenSSH extension replies). */
export function uint64s(values: readonly number[]): Buffer {
  const b = Buffer.allocUnsafe(8 * values.length);
  values.forEach((v, i) => b.writeBigUInt64BE(BigInt(Math.max(0, Math.floor(v))), 8 * i));
  return b;
}

/** Sends an EXTENDED_REPLY with `body` (ssh2's server has no method for it); false if it could not. */
export function answerExtended(sftp: SFTPWrapper, id: number, body: Buffer): boolean {
  const inner = sftpInternals(sftp);
  if (inner === undefined) return false;
  const p = Buffer.allocUnsafe(4 + 1 + 4 + body.length);
  p.writeUInt32BE(p.length - 4, 0);
  p[4] = SSH_FXP_EXTENDED_REPLY;
  p.writeUInt32BE(id >>> 0, 5);
  body.copy(p, 9);
  return sendPacket(inner, p);
}

function versionPacket(): Buffer {
  const parts: Buffer[] = [];
  for (const [name, value] of serverExtensions) {
    for (const s of [name, value]) {
      const b = Buffer.from(s);
      const len = Buffer.allocUnsafe(4);
      len.writeUInt32BE(b.length, 0);
      parts.push(len, b);
    }
  }
  const head = Buffer.allocUnsafe(9);
  const body = Buffer.concat(parts);
  head.writeUInt32BE(5 + body.length, 0);
  head[4] = SSH_FXP_VERSION;
  head.writeUInt32BE(3, 5);
  return Buffer.concat([head, body]);
}

/** `uint32 version` then `string name, string data` pairs; undefined if malformed. */
function parseInit(packet: Buffer): { version: number; extensions: Record<string, string> } | undefined {
  if (packet.length < 9) return undefined;
  const version = packet.readUInt32BE(5);
  const extensions: Record<string, string> = {};
  let p = 9;
  const str = (): string | undefined => {
    if (p + 4 > packet.length) return undefined;
    const n = packet.readUInt32BE(p);
    if (p + 4 + n > packet.length) return undefined;
    const s = packet.toString('utf8', p + 4, p + 4 + n);
    p += 4 + n;
    return s;
  };
  while (p < packet.length) {
    const name = str();
    const data = str();
    if (name === undefined || data === undefined) return undefined;
    extensions[name] = data;
  }
  return { version, extensions };
}

/**
 * One whole SFTP packet on the channel, as ssh2's own sendOrBuffer would: in order behind
 * anything already waiting for the window, and only when it fits the window and one channel
 * packet (always the case for these small packets in practice); false otherwise.
 */
function sendPacket(inner: SftpInternals, packet: Buffer): boolean {
  const out = inner.outgoing;
  if (out.state !== 'open') return false;
  if (inner._buffer.length > 0) {
    // ssh2 queues for the window (its drain callback is set): queue behind.
    if (typeof inner._chunkcb !== 'function') return false;
    inner._buffer.push(packet);
    return true;
  }
  if (packet.length >= out.window || packet.length > out.packetSize) return false;
  out.window -= packet.length;
  inner._protocol.channelData(out.id, packet);
  return true;
}
