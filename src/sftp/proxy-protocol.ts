/**
 * PROXY protocol v2 (the binary header HAProxy's `send-proxy-v2` prepends), read from a socket
 * before the SSH handshake so that the real client address is used for logs, allow-lists,
 * bans and transfer records. Only headers from trusted sources are accepted; anything else
 * drops the connection (a client must never be able to claim another address).
 *
 * Layout (spec section 2.2): 12-byte signature, version/command byte, family/protocol byte,
 * 16-bit length, then the addresses (and TLVs, ignored).
 */
import type { Socket } from 'node:net';
import { canonicalIp } from '../util/ip.js';

const signature = Buffer.from([0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a]);
const headerFixedLength = 16;
/** Addresses plus TLVs never need more; a larger length is a malformed or hostile header. */
const maxPayload = 2048;

export interface ProxyHeader {
  /** 'proxy': a relayed connection with addresses; 'local': the proxy's own (health check). */
  command: 'proxy' | 'local';
  source?: { address: string; port: number };
  destination?: { address: string; port: number };
}

export class ProxyProtocolError extends Error {}

/** The address families (high nibble of byte 13): the size of one address and its text form. */
const families: Partial<Record<number, { name: string; size: number; text: (b: Buffer) => string }>> = {
  1: { name: 'IPv4', size: 4, text: ipv4 },
  2: { name: 'IPv6', size: 16, text: ipv6 },
};

/**
 * Parses a header at the start of `buf`. Returns undefined when more bytes are needed, the
 * header and the bytes that follow it otherwise; throws ProxyProtocolError when malformed.
 */
export function parseProxyV2(buf: Buffer): { header: ProxyHeader; rest: Buffer } | undefined {
  const sigPart = buf.subarray(0, Math.min(buf.length, signature.length));
  if (!sigPart.equals(signature.subarray(0, sigPart.length))) {
    throw new ProxyProtocolError('no PROXY v2 signature');
  }
  if (buf.length < headerFixedLength) return undefined;
  const verCmd = buf[12] ?? 0;
  if (verCmd >> 4 !== 2) throw new ProxyProtocolError(`unsupported PROXY version ${verCmd >> 4}`);
  const cmd = verCmd & 0x0f;
  if (cmd > 1) throw new ProxyProtocolError(`unknown PROXY command ${cmd}`);
  const famProto = buf[13] ?? 0;
  const length = buf.readUInt16BE(14);
  if (length > maxPayload) throw new ProxyProtocolError(`PROXY header too long (${length} bytes)`);
  if (buf.length < headerFixedLength + length) return undefined;
  const payload = buf.subarray(headerFixedLength, headerFixedLength + length);
  const rest = buf.subarray(headerFixedLength + length);
  if (cmd === 0) return { header: { command: 'local' }, rest };
  const family = families[famProto >> 4];
  // UNSPEC or UNIX: the proxy relays something with no IP address; keep the socket's.
  if (family === undefined) return { header: { command: 'local' }, rest };
  const n = family.size;
  if (payload.length < 2 * n + 4) throw new ProxyProtocolError(`PROXY header too short for ${family.name}`);
  return {
    header: {
      command: 'proxy',
      source: { address: family.text(payload.subarray(0, n)), port: payload.readUInt16BE(2 * n) },
      destination: {
        address: family.text(payload.subarray(n, 2 * n)),
        port: payload.readUInt16BE(2 * n + 2),
      },
    },
    rest,
  };
}

/** Builds a v2 header (for tests and tools). */
export function encodeProxyV2(
  source: { address: string; port: number },
  destination: { address: string; port: number },
): Buffer {
  const v4 = !source.address.includes(':');
  const n = v4 ? 4 : 16;
  const bytes = v4 ? (a: string): Buffer => Buffer.from(a.split('.').map(Number)) : ipv6Bytes;
  // Source address, destination address, source port, destination port.
  const payload = Buffer.alloc(2 * n + 4);
  bytes(source.address).copy(payload, 0);
  bytes(destination.address).copy(payload, n);
  payload.writeUInt16BE(source.port, 2 * n);
  payload.writeUInt16BE(destination.port, 2 * n + 2);
  const head = Buffer.alloc(4);
  head[0] = 0x21;
  head[1] = v4 ? 0x11 : 0x21;
  head.writeUInt16BE(payload.length, 2);
  return Buffer.concat([signature, head, payload]);
}

/**
 * Reads a PROXY v2 header from a fresh socket, then puts back the bytes that followed it.
 * Rejects when the header is malformed, incomplete after `timeoutMs`, or the socket ends.
 */
export function readProxyHeader(socket: Socket, timeoutMs: number): Promise<ProxyHeader> {
  return new Promise((resolve, reject) => {
    let buffered = Buffer.alloc(0);
    const cleanup = (): void => {
      clearTimeout(timer);
      socket.off('data', onData);
      socket.off('end', onEnd);
      socket.off('error', onEnd);
    };
    const fail = (err: Error): void => {
      cleanup();
      reject(err);
    };
    const onData = (chunk: Buffer): void => {
      buffered = Buffer.concat([buffered, chunk]);
      try {
        const parsed = parseProxyV2(buffered);
        if (parsed === undefined) return;
        cleanup();
        socket.pause();
        if (parsed.rest.length > 0) socket.unshift(parsed.rest);
        resolve(parsed.header);
      } catch (err) {
        fail(err as Error);
      }
    };
    const onEnd = (): void => fail(new ProxyProtocolError('connection closed before the PROXY header'));
    const timer = setTimeout(() => fail(new ProxyProtocolError('no PROXY header in time')), timeoutMs);
    socket.on('data', onData);
    socket.once('end', onEnd);
    socket.once('error', onEnd);
    // A server created with pauseOnConnect hands over paused sockets.
    socket.resume();
  });
}

function ipv4(b: Buffer): string {
  return [...b].join('.');
}

/**
 * Written as Node writes a socket's own remoteAddress, so a client has the same key for bans and
 * allow-lists whether it comes directly or through the proxy.
 */
function ipv6(b: Buffer): string {
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(b.readUInt16BE(i).toString(16));
  return canonicalIp(groups.join(':'));
}

function ipv6Bytes(address: string): Buffer {
  const [head = '', tail = ''] = address.split('::');
  const h = head === '' ? [] : head.split(':');
  const t = tail === '' ? [] : tail.split(':');
  const groups = address.includes('::')
    ? [...h, ...new Array<string>(8 - h.length - t.length).fill('0'), ...t]
    : h;
  const out = Buffer.alloc(16);
  groups.forEach((g, i) => out.writeUInt16BE(parseInt(g, 16), i * 2));
  return out;
}
