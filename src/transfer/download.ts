/**
 * A partner's download: one record per file read, whatever the number of handles or sessions
 * reading it at once (segmented downloads join the record of this node), DONE only when every
 * byte was sent. Reads land at the partner's offsets (so `reget` works) from one fd shared by
 * the reads in flight; no lock, so several partners can fetch the same file at once.
 *
 * Progress is the contiguous mark of the bytes sent (reads may come out of order: a prefetch,
 * a segment). When the last reader lets go before every byte was sent, the record is
 * INTERRUPTED with what was sent (ranges beyond the mark kept in `info.sentRanges`), and a
 * later read of the same file from a later offset continues it (a resume).
 */
import { close, fstat, open, read, readv } from 'node:fs';
import type { Stats } from 'node:fs';
import { constants } from 'node:fs';
import { promisify } from 'node:util';
import type { GatewayContext } from '../gateway/context.js';
import type { Rule, Transfer } from '../model/entities.js';
import { TransferError } from '../model/transfer-state.js';
import { ContiguousRange } from './contiguous.js';
import { SentHash } from './sent-hash.js';
import type { ServerPeer } from './server-transfer.js';
import { ServerTransfer } from './server-transfer.js';
import type { TaskState } from './tasks/types.js';

const openFd = promisify(open);
const closeFd = promisify(close);
const fstatFd = promisify(fstat);

/**
 * Largest READ answered at once: 255 KiB, OpenSSH's own limit (what our SFTP server advertises
 * in `limits@openssh.com`). A DATA reply must fit the clients' 256 KiB packet limit with its
 * header, so never a full 256 KiB.
 */
export const maxRead = 255 * 1024;

/** Which version of a file a download reads: a record continues only on the same one. */
export interface FileIdentity {
  readonly size: number;
  readonly mtimeMs: number;
}

export const sameIdentity = (a: FileIdentity, b: FileIdentity): boolean =>
  a.size === b.size && Math.floor(a.mtimeMs) === Math.floor(b.mtimeMs);

/** The identity a download record was made for (`filesize` and `info.sourceMtime`). */
export function identityOf(t: Transfer): FileIdentity {
  return { size: t.filesize, mtimeMs: Number(t.info.sourceMtime ?? -1) };
}

/** What was sent of a record: [0, progress) and `info.sentRanges`. */
export function sentOf(t: Pick<Transfer, 'progress' | 'info'>): ContiguousRange {
  const range = new ContiguousRange(t.progress);
  const ranges = t.info.sentRanges;
  if (Array.isArray(ranges))
    for (const r of ranges) if (Array.isArray(r)) range.add(Number(r[0]), Number(r[1]));
  return range;
}

export type Release = 'close' | 'abort';

export class DownloadTransfer extends ServerTransfer {
  #fd: number | undefined;
  #reads = 0;
  #readsDone: (() => void)[] = [];
  #released: Promise<void> | undefined;
  #sent: ContiguousRange;
  #hash: SentHash;
  #holders = 0;

  constructor(
    ctx: GatewayContext,
    rule: Rule,
    peer: ServerPeer,
    row: Transfer,
    state: TaskState,
    readonly identity: FileIdentity,
    /** The offset of the read that made this record: above 0, a resume (`reget`) whose cut record was not continued. */
    readonly firstOffset = 0,
  ) {
    super(ctx, rule, peer, row, state);
    this.#sent = sentOf(row);
    this.#hash = new SentHash(this.#sent.mark === 0 && this.#sent.pending().length === 0);
  }

  protected get progress(): number {
    return this.#sent.mark;
  }

  /**
   * The partner resumes this record from `offset`: it holds [0, offset), which this record sent
   * (its progress lags what it sent when its node died before the next progress write).
   */
  partnerHolds(offset: number): void {
    if (offset <= this.#sent.mark) return;
    this.log.info(
      { progress: this.#sent.mark, offset },
      'the partner resumes from a later offset: it holds the bytes before',
    );
    this.#sent.add(0, Math.min(offset, this.identity.size));
  }

  /** Every byte of the file was sent. */
  get complete(): boolean {
    return this.#sent.mark >= this.identity.size;
  }

  /** Runs the pre-tasks still due (they may replace the file), opens it, enters the data phase. */
  /** `newRow`: the row was made for this read (not a resumed one). */
  async begin(newRow: boolean): Promise<void> {
    try {
      if (this.row.step === 'StepNone' || this.row.step === 'StepPreTasks') await this.runChain('PRE');
      this.#fd = await openFd(this.state.trueFullPath, constants.O_RDONLY);
      const st = await fstatFd(this.#fd);
      if (!st.isFile()) throw new TransferError('TeFileNotFound', 'not a regular file');
      this.state.fileSize = st.size;
      // A new row already names the file and its size: no write before the data (see enterData).
      await this.enterData(
        { filesize: st.size, localPath: this.state.trueFullPath },
        !newRow || st.size !== this.row.filesize,
      );
      this.log.info(
        { rule: this.rule.name, file: this.row.srcFilename, from: this.progress },
        'download started',
      );
    } catch (err) {
      if (this.haltError !== undefined) throw this.haltError;
      throw await this.failWith(err);
    }
  }

  /** One more handle reads through this record; false when it no longer sends data. */
  hold(): boolean {
    if (this.phase !== 'data' && this.phase !== 'setup') return false;
    this.#holders++;
    return true;
  }

  /**
   * A handle lets go. The last one ends the record: DONE (post-tasks) if every byte was sent,
   * else INTERRUPTED, resumable. `merge` first gathers what other records of the same file
   * (other nodes' segments) sent. Throws when the end fails (the post-tasks).
   */
  async release(how: Release, merge?: () => Promise<ContiguousRange | undefined>): Promise<void> {
    if (--this.#holders > 0) return;
    if (this.phase !== 'data') {
      if (how === 'close' && this.haltError !== undefined) throw this.haltError;
      return;
    }
    if (!this.complete && merge !== undefined) {
      const more = await merge().catch((err: unknown) => {
        this.log.warn({ err }, 'cannot gather the other parts of this download');
        return undefined;
      });
      if (more !== undefined) this.#sent.addAll(more);
    }
    if (this.complete) {
      await this.finish();
      return;
    }
    const size = this.identity.size;
    const why =
      how === 'abort'
        ? new TransferError(
            'TeConnectionReset',
            `the session closed after ${this.progress} of ${size} bytes were sent`,
          )
        : new TransferError(
            'TeDataTransfer',
            `the partner closed the file after ${this.progress} of ${size} bytes were sent`,
          );
    const beyond = this.#sent.pending();
    const info = { ...this.row.info };
    if (beyond.length > 0) info.sentRanges = beyond;
    else delete info.sentRanges;
    await this.stopWith('interrupt', why, how, { info });
  }

  /**
   * Reads consecutive bytes from `offset` into each of `parts` in turn, in one system call
   * (a client reading a file sequentially asks for consecutive ranges: they go to disk
   * together). `done(err, bytesRead)`: fewer bytes than asked at end of file.
   */
  readvInto(offset: number, parts: Buffer[], done: (err: Error | null, bytesRead: number) => void): void {
    const fd = this.#fd;
    if (this.phase !== 'data' || fd === undefined) {
      done(this.haltError ?? new TransferError('TeInternal', 'the transfer is not sending data'), 0);
      return;
    }
    this.#reads++;
    readv(fd, parts, offset, (err, n) => {
      if (err === null && n > 0) this.#hash.updateParts(offset, parts, n);
      this.#afterRead(offset, err, n, done);
    });
  }

  /**
   * Reads up to `length` bytes (at most 255 KiB) at `offset` into `buf` at `at`;
   * `done(null, 0)` at end of file.
   */
  readInto(
    offset: number,
    length: number,
    buf: Buffer,
    at: number,
    done: (err: Error | null, bytesRead: number) => void,
  ): void {
    const fd = this.#fd;
    if (this.phase !== 'data' || fd === undefined) {
      done(this.haltError ?? new TransferError('TeInternal', 'the transfer is not sending data'), 0);
      return;
    }
    const want = Math.min(Math.max(length, 0), maxRead, buf.length - at);
    this.#reads++;
    read(fd, buf, at, want, offset, (err, n) => {
      if (err === null && n > 0) this.#hash.update(offset, buf.subarray(at, at + n));
      this.#afterRead(offset, err, n, done);
    });
  }

  /** Reads up to `length` bytes at `offset` into a new buffer; `done(null, undefined)` at end of file. */
  read(offset: number, length: number, done: (err: Error | null, data?: Buffer) => void): void {
    const buf = Buffer.allocUnsafe(Math.min(Math.max(length, 0), maxRead));
    this.readInto(offset, length, buf, 0, (err, n) => {
      if (err !== null) done(err);
      else done(null, n === 0 ? undefined : n === buf.length ? buf : buf.subarray(0, n));
    });
  }

  #afterRead(
    offset: number,
    err: Error | null,
    n: number,
    done: (err: Error | null, bytesRead: number) => void,
  ): void {
    this.#readDone();
    if (err !== null) {
      done(err, 0);
      return;
    }
    if (n > 0) {
      this.#sent.add(offset, offset + n);
      this.flushProgressSoon();
    }
    done(null, n);
  }

  /** The file's current attributes (fstat on the open fd). */
  stat(): Promise<Stats> {
    if (this.#fd === undefined)
      return Promise.reject(this.haltError ?? new TransferError('TeInternal', 'closed'));
    return fstatFd(this.#fd);
  }

  /** Every byte was sent and the last reader let go: post-tasks, then DONE (or failure, thrown). */
  async finish(): Promise<void> {
    if (this.phase !== 'data')
      throw this.haltError ?? new TransferError('TeInternal', 'the transfer is not open');
    this.phase = 'closing';
    try {
      // What the partner got, hashed from the fd before it closes (the name may point to
      // another file by now), once the reads in flight are done.
      await this.#readsSettled();
      const fd = this.#fd;
      const sha256 = fd === undefined ? undefined : await this.#hash.digest(fd, this.identity.size);
      await this.releaseData();
      await this.settleFlush();
      const info: Record<string, unknown> = { ...this.row.info };
      if (sha256 !== undefined) info.sha256 = sha256;
      delete info.sentRanges;
      this.state.info = { ...this.state.info, ...info };
      delete this.state.info.sentRanges;
      await this.saveBeforePost({ progress: this.progress, info });
      await this.runChain('POST');
      await this.completeTransfer();
    } catch (err) {
      throw await this.failWith(err);
    }
  }

  #readsSettled(): Promise<void> {
    if (this.#reads === 0) return Promise.resolve();
    return new Promise<void>((resolve) => this.#readsDone.push(resolve));
  }

  protected override releaseData(): Promise<void> {
    this.#released ??= (async () => {
      await this.#readsSettled();
      const fd = this.#fd;
      this.#fd = undefined;
      if (fd !== undefined) await closeFd(fd);
    })();
    return this.#released;
  }

  #readDone(): void {
    if (--this.#reads > 0) return;
    const waiters = this.#readsDone;
    this.#readsDone = [];
    for (const w of waiters) w();
  }
}
