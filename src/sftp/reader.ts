/**
 * The READ side of a session: requests are read from disk just ahead of the client's SSH
 * window and answered without the extra copy ssh2's `data()` makes.
 *
 *  - Read-ahead is bounded: at most `readAhead` bytes per session are being read or wait to be
 *    sent; further READs wait, as requests. A client asking for gigabytes at once (or not
 *    reading its replies) costs that much memory, not gigabytes.
 *  - Consecutive READs of one file (a sequential download asks for consecutive ranges) go to
 *    disk as one `readv`, straight into the reply packets (see data-reply.ts).
 *  - A reply is sent when the client's window can take it whole, from the same buffer (pooled);
 *    ssh2's window-adjust hook wakes the pipeline. For a client whose window is too small for a
 *    whole reply, replies go through ssh2's `data()` instead, which splits them over the window.
 */
import type { DownloadTransfer } from '../transfer/download.js';
import type { Flow } from './flow.js';
import {
  dataHeaderLength,
  givePacketBuffer,
  onWindowAdjust,
  sendData,
  takePacketBuffer,
} from './data-reply.js';
import { maxReadLength } from './limits.js';
import type { SFTPWrapper, SftpInternals } from './ssh2.js';

/** Bytes per session being read or waiting for the window. */
export const readAhead = 4 << 20;
/** Requests waiting beyond which the connection stops being read until they are served. */
export const maxWaitingReads = 4096;
/** READs merged into one readv at most. */
const maxBatch = 8;
/** Fallback poll when ssh2's hook is taken. */
const pollMs = 5;
/**
 * How long a reply may wait for a window that takes it whole. Clients adjust their window as
 * they consume what is in flight (OpenSSH: by about 1 MiB at a time), so waiting costs nothing
 * while the rest of the window is in flight; this only bounds a pathological case. A client
 * whose window never held a whole reply gets ssh2's data() at once.
 */
const stuckMs = 100;

export interface ReadRequest {
  readonly id: number;
  readonly t: DownloadTransfer;
  readonly offset: number;
  readonly length: number;
}

interface Ready {
  readonly id: number;
  readonly buf: Buffer;
  readonly n: number;
  readonly since: number;
}

export interface ReadReplies {
  /** Sends replies (corked), catching a closed channel. */
  reply(send: () => void): void;
  eof(id: number): void;
  fail(id: number, err: unknown): void;
}

export class ReadPipeline {
  #waiting: ReadRequest[] = [];
  #ready: Ready[] = [];
  #readyBytes = 0;
  #readingBytes = 0;
  #timer: NodeJS.Timeout | undefined;
  #releaseHold: (() => void) | undefined;
  #closed = false;
  /** Largest window the client has given: below one reply, whole replies never fit. */
  #maxWindow = 0;
  readonly #pump = (): void => {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.pump(false);
  };

  constructor(
    private readonly sftp: SFTPWrapper,
    private readonly inner: SftpInternals | undefined,
    private readonly flow: Flow,
    private readonly out: ReadReplies,
  ) {}

  request(r: ReadRequest): void {
    this.#waiting.push(r);
    if (this.#waiting.length > maxWaitingReads && this.#releaseHold === undefined)
      this.#releaseHold = this.flow.hold();
    this.pump(false);
  }

  /** Reads every waiting request of `t` now, whatever the read-ahead (its file is closing). */
  flush(t: DownloadTransfer): void {
    const mine = this.#waiting.filter((r) => r.t === t);
    if (mine.length === 0) return;
    this.#waiting = this.#waiting.filter((r) => r.t !== t);
    while (mine.length > 0) this.#serve(mine.splice(0, maxBatch));
  }

  close(): void {
    this.#closed = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#waiting = [];
    for (const r of this.#ready) givePacketBuffer(r.buf);
    this.#ready = [];
    this.#readyBytes = 0;
    this.#releaseHold?.();
    this.#releaseHold = undefined;
  }

  /** Sends what the window takes, then starts reads while the read-ahead allows. */
  pump(force: boolean): void {
    if (this.#closed) return;
    this.#send(force);
    while (this.#waiting.length > 0 && this.#room() > 0) this.#serve(this.#nextBatch());
    if (this.#releaseHold !== undefined && this.#waiting.length <= maxWaitingReads / 2) {
      this.#releaseHold();
      this.#releaseHold = undefined;
    }
    if ((this.#waiting.length > 0 || this.#ready.length > 0) && this.#timer === undefined) {
      onWindowAdjust(this.inner, this.#pump);
      this.#timer = setTimeout(this.#pump, pollMs);
    }
  }

  #room(): number {
    let queued = 0;
    for (const b of this.inner?._buffer ?? []) queued += b.length;
    return readAhead - this.#readingBytes - this.#readyBytes - queued - this.flow.socketBacklog;
  }

  /** Up to maxBatch waiting READs of one file at consecutive offsets. */
  #nextBatch(): ReadRequest[] {
    let n = 1;
    const first = this.#waiting[0];
    let end = first === undefined ? 0 : first.offset + first.length;
    while (n < maxBatch && n < this.#waiting.length) {
      const r = this.#waiting[n];
      if (r === undefined || first === undefined || r.t !== first.t || r.offset !== end || r.length === 0)
        break;
      end += r.length;
      n++;
    }
    return this.#waiting.splice(0, n);
  }

  #serve(batch: ReadRequest[]): void {
    const first = batch[0];
    if (first === undefined) return;
    const bufs = batch.map(() => takePacketBuffer());
    const parts = batch.map((r, i) =>
      (bufs[i] as Buffer).subarray(dataHeaderLength, dataHeaderLength + Math.min(r.length, maxReadLength)),
    );
    const reserved = parts.reduce((a, p) => a + p.length + dataHeaderLength, 0);
    this.#readingBytes += reserved;
    first.t.readvInto(first.offset, parts, (err, total) => {
      this.#readingBytes -= reserved;
      let left = total;
      const now = Date.now();
      for (let i = 0; i < batch.length; i++) {
        const r = batch[i] as ReadRequest;
        const buf = bufs[i] as Buffer;
        const n = Math.min(left, (parts[i] as Buffer).length);
        left -= n;
        if (err !== null || n === 0 || this.#closed) {
          givePacketBuffer(buf);
          if (this.#closed) continue;
          if (err !== null) this.out.fail(r.id, err);
          else this.out.eof(r.id);
          continue;
        }
        this.#ready.push({ id: r.id, buf, n, since: now });
        this.#readyBytes += dataHeaderLength + n;
      }
      this.pump(false);
    });
  }

  /** Sends ready replies in order while the window takes them whole. */
  #send(force: boolean): void {
    const inner = this.inner;
    const now = Date.now();
    while (this.#ready.length > 0) {
      const r = this.#ready[0] as Ready;
      const total = dataHeaderLength + r.n;
      const queued = inner !== undefined && inner._buffer.length > 0;
      const window = inner?.outgoing.window ?? 0;
      if (window > this.#maxWindow) this.#maxWindow = window;
      const fits = inner === undefined || (!queued && window >= total);
      // ssh2 queues for the window already: behind it, woken by the hook once it has drained.
      if (queued && !force) break;
      // A window too small for a whole reply: through ssh2's data() (copied, split over it).
      if (!fits && !force && this.#maxWindow >= total && now - r.since < stuckMs) break;
      this.#ready.shift();
      this.#readyBytes -= total;
      this.out.reply(() => sendData(this.sftp, inner, r.id, r.buf, r.n));
      givePacketBuffer(r.buf);
    }
  }
}
