/**
 * Turning an SSH client away before the key exchange, with a reason it can show: our version
 * line, then SSH_MSG_DISCONNECT in the clear (allowed before any key is exchanged, RFC 4253
 * 11.1). OpenSSH prints "Received disconnect from HOST port PORT:CODE: TEXT"; a connection closed
 * before the banner only says "Connection closed by remote host".
 */
import { randomBytes } from 'node:crypto';
import type { Socket } from 'node:net';

/** RFC 4253 11.1 reason codes used here. */
export const disconnectReason = {
  hostNotAllowed: 1,
  tooManyConnections: 12,
} as const;

const msgDisconnect = 1;
/** Long enough for the client to read the message before its own writes meet a closed socket. */
const lingerMs = 2000;

/** An unencrypted binary packet (RFC 4253 6): length, padding length, payload, padding to 8 bytes. */
export function disconnectPacket(reason: number, text: string): Buffer {
  const description = Buffer.from(text, 'utf8');
  const payload = Buffer.alloc(1 + 4 + 4 + description.length + 4);
  payload[0] = msgDisconnect;
  payload.writeUInt32BE(reason, 1);
  payload.writeUInt32BE(description.length, 5);
  description.copy(payload, 9);
  // The language tag is the empty string (its length, 0, is already there).
  let padding = 8 - ((4 + 1 + payload.length) % 8);
  if (padding < 4) padding += 8;
  const head = Buffer.alloc(5);
  head.writeUInt32BE(1 + payload.length + padding, 0);
  head[4] = padding;
  return Buffer.concat([head, payload, randomBytes(padding)]);
}

/**
 * Sends `ident` and the disconnect, half-closes, and drains what the client still sends (so it
 * reads the message instead of a reset), then destroys the socket.
 */
export function refuseSsh(socket: Socket, ident: string, reason: number, text: string): void {
  const timer = setTimeout(() => socket.destroy(), lingerMs);
  timer.unref();
  socket.on('data', () => undefined);
  socket.once('close', () => clearTimeout(timer));
  socket.end(Buffer.concat([Buffer.from(`${ident}\r\n`), disconnectPacket(reason, text)]));
  socket.resume();
}
