/**
 * What comes in on an SFTP channel, before ssh2's SFTP parser sees it: the channel's data is
 * cut into whole SFTP packets here and handed to ssh2 one packet at a time.
 *
 *  - The INIT packet is answered here, with a VERSION that offers `limits@openssh.com`
 *    (limits.ts): ssh2's server has a fixed VERSION without extensions.
 *  - A WRITE packet (up to 256 KiB, so spread over eight or more 32 KiB channel packets) is
 *    assembled into a reused buffer instead of the fresh 256 KiB buffer ssh2 would allocate
 *    for it: that churn of external memory is what drives V8's full garbage collections
 *    during an upload. The buffer goes back to the pool when the write is on disk
 *    (`recycleWriteData`). A packet that lies within one chunk is passed as a view, as ssh2
 *    itself would.
 *
 * ssh2 gets exactly what it would have parsed itself (whole packets are its zero-copy path), so
 * every check of its own still applies; anything it would reject (a length over its limit) is
 * passed on raw for it to reject.
 */
import { BufferPool } from './buffer-pool.js';
import { acceptInit, maxPacketLength } from './limits.js';
import type { SFTPWrapper, SftpInternals } from './ssh2.js';
import { sftpInternals } from './ssh2.js';

const SSH_FXP_WRITE = 6;

/** Buffers for WRITE packets (length field included), reused: at most 16 MiB kept. */
const pool = new BufferPool(4 + maxPacketLength, 64);
/** The pool's buffers, by their memory: recycleWriteData() finds a WRITE's buffer from its data. */
const pooled = new WeakMap<ArrayBufferLike, Buffer>();

function takeWriteBuffer(): Buffer {
  const { buf, fresh } = pool.take();
  if (fresh) pooled.set(buf.buffer, buf);
  return buf;
}

/**
 * The bytes of a WRITE are on disk (or failed): their buffer may be reused. Data that did not
 * come from the pool is left to the garbage collector.
 */
export function recycleWriteData(data: Buffer): void {
  const buf = pooled.get(data.buffer);
  if (buf !== undefined) pool.give(buf);
}

/**
 * Takes over the channel's input. Must be called right after the SFTP channel is accepted
 * (before any of its data is read). False when ssh2's internals are not as expected: ssh2 then
 * parses (and answers INIT) on its own.
 */
export function frameInput(sftp: SFTPWrapper): boolean {
  const inner = sftpInternals(sftp);
  if (inner === undefined || inner._version !== -1) return false;
  const own = inner;
  const original = own.push;
  const chunks: Buffer[] = [];
  let queued = 0;
  let started = false;

  const restore = (): void => {
    delete (own as Partial<SftpInternals>).push;
    if (own.push !== original) own.push = original;
  };

  /** Byte `i` of the queued input (i < queued). */
  const byteAt = (i: number): number => {
    for (const c of chunks) {
      if (i < c.length) return c[i] ?? 0;
      i -= c.length;
    }
    return 0;
  };

  /** Takes the first `n` bytes of the queued input: a view when they lie in one chunk. */
  const take = (n: number, into: Buffer | undefined): Buffer => {
    const first = chunks[0];
    if (first !== undefined && first.length >= n && into === undefined) {
      if (first.length === n) chunks.shift();
      else chunks[0] = first.subarray(n);
      queued -= n;
      return first.subarray(0, n);
    }
    const out = into ?? Buffer.allocUnsafe(n);
    let at = 0;
    while (at < n) {
      const c = chunks[0] as Buffer;
      const k = Math.min(c.length, n - at);
      c.copy(out, at, 0, k);
      at += k;
      if (k === c.length) chunks.shift();
      else chunks[0] = c.subarray(k);
    }
    queued -= n;
    return into === undefined ? out : out.subarray(0, n);
  };

  /** Everything queued, in one buffer, for ssh2 to deal with. */
  const rest = (): Buffer => {
    const all = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks);
    chunks.length = 0;
    queued = 0;
    return all;
  };

  own.push = function (this: SftpInternals, data: Buffer | null): unknown {
    if (data === null) {
      restore();
      if (queued > 0) original.call(this, rest());
      return original.call(this, null);
    }
    if (data.length === 0) return undefined;
    chunks.push(data);
    queued += data.length;
    while (queued >= 4) {
      const length = ((byteAt(0) << 24) | (byteAt(1) << 16) | (byteAt(2) << 8) | byteAt(3)) >>> 0;
      if (length === 0 || length > maxPacketLength) {
        // ssh2 rejects it (fatal protocol error): give it the bytes as they are.
        restore();
        return original.call(this, rest());
      }
      if (queued < 4 + length) return undefined;
      const first = chunks[0] as Buffer;
      const spread = first.length < 4 + length;
      const packet = take(4 + length, spread && byteAt(4) === SSH_FXP_WRITE ? takeWriteBuffer() : undefined);
      if (!started) {
        started = true;
        if (acceptInit(this, packet)) continue;
      }
      if (original.call(this, packet) === false) {
        // ssh2 closed the channel on a protocol error.
        restore();
        chunks.length = 0;
        queued = 0;
        return false;
      }
    }
    return undefined;
  };
  return true;
}
