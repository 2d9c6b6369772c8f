/**
 * READ replies without the extra copy: the file is read straight into a DATA packet (header
 * room left in front), which goes to ssh2's channel as is when the client's window can take it
 * whole. ssh2's own `data()` allocates a second 255 KiB buffer per reply and copies into it;
 * that churn of external memory, more than the copy itself, is what drives V8's full garbage
 * collections during a download. Packet buffers are reused: once ssh2's `channelData` has
 * returned, the bytes are in its SSH packet and the buffer is free.
 *
 * When the window cannot take the whole reply, ssh2's `data()` sends it (copied, queued for the
 * window as usual), so nothing depends on the fast path.
 */
import type { SFTPWrapper, SftpInternals } from './ssh2.js';
import { BufferPool } from './buffer-pool.js';
import { maxReadLength } from './limits.js';

/** uint32 length, byte type, uint32 id, uint32 data length. */
export const dataHeaderLength = 13;
const SSH_FXP_DATA = 103;

/** Reply buffers, reused: at most 8 MiB kept. */
const pool = new BufferPool(dataHeaderLength + maxReadLength, 32);

/** A buffer for one DATA reply of up to maxReadLength bytes, data at dataHeaderLength. */
export function takePacketBuffer(): Buffer {
  return pool.take().buf;
}

export function givePacketBuffer(buf: Buffer): void {
  pool.give(buf);
}

/**
 * Sends `n` bytes read at `buf[dataHeaderLength]` as the DATA reply to `id`. The buffer can be
 * reused as soon as this returns (sent whole, or copied by ssh2's `data()`).
 */
export function sendData(
  sftp: SFTPWrapper,
  inner: SftpInternals | undefined,
  id: number,
  buf: Buffer,
  n: number,
): void {
  const total = dataHeaderLength + n;
  const out = inner?.outgoing;
  if (
    inner === undefined ||
    out === undefined ||
    out.state !== 'open' ||
    inner._buffer.length > 0 ||
    out.window < total
  ) {
    sftp.data(id, buf.subarray(dataHeaderLength, total));
    return;
  }
  buf.writeUInt32BE(total - 4, 0);
  buf[4] = SSH_FXP_DATA;
  buf.writeUInt32BE(id >>> 0, 5);
  buf.writeUInt32BE(n, 9);
  // As ssh2's tryWritePayload: channel packets of at most the client's packet size.
  const step = Math.max(1, out.packetSize);
  for (let p = 0; p < total; p += step) {
    const end = Math.min(total, p + step);
    out.window -= end - p;
    inner._protocol.channelData(out.id, buf.subarray(p, end));
  }
}

/**
 * Calls `wake` when the client opens its window, through the hook ssh2 itself uses (`_chunkcb`,
 * called on CHANNEL_WINDOW_ADJUST while `_waitWindow` is set): chained after ssh2's own queue
 * drain when it has one, so that `wake` sees the queue already sent. One shot.
 */
const hooks = new WeakSet<() => void>();

export function onWindowAdjust(inner: SftpInternals | undefined, wake: () => void): void {
  if (inner === undefined) return;
  const previous = inner._chunkcb;
  // Already waiting (a session polls again while the window stays shut): one hook is enough.
  if (previous !== undefined && hooks.has(previous)) return;
  const hook = (): void => {
    if (inner._chunkcb === hook) inner._chunkcb = undefined;
    previous?.call(inner);
    wake();
  };
  hooks.add(hook);
  inner._chunkcb = hook;
  inner._waitWindow = true;
}
