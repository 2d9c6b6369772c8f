/**
 * A partner's download: reads at the partner's offsets (so `reget` works) from one fd shared by
 * the reads in flight; no lock, so several partners can fetch the same file at once.
 * Closing the file runs the post-tasks and ends the transfer DONE.
 */
import { close, fstat, open, read, readv } from 'node:fs';
import type { Stats } from 'node:fs';
import { constants } from 'node:fs';
import { promisify } from 'node:util';
import { TransferError } from '../model/transfer-state.js';
import { ServerTransfer } from './server-transfer.js';

const openFd = promisify(open);
const closeFd = promisify(close);
const fstatFd = promisify(fstat);

/**
 * Largest READ answered at once: 255 KiB, OpenSSH's own limit (what our SFTP server advertises
 * in `limits@openssh.com`). A DATA reply must fit the clients' 256 KiB packet limit with its
 * header, so never a full 256 KiB.
 */
export const maxRead = 255 * 1024;

export class DownloadTransfer extends ServerTransfer {
  #fd: number | undefined;
  #reads = 0;
  #readsDone: (() => void)[] = [];
  #released: Promise<void> | undefined;
  /** Furthest byte served: downloads start anywhere (reget), so this is not a contiguous mark. */
  #served = 0;

  protected get progress(): number {
    return this.#served;
  }

  /** Runs the pre-tasks (they may replace the file), opens it, enters the data phase. */
  async begin(): Promise<void> {
    try {
      if (this.row.step === 'StepNone' || this.row.step === 'StepPreTasks') await this.runChain('PRE');
      this.#fd = await openFd(this.state.trueFullPath, constants.O_RDONLY);
      const st = await fstatFd(this.#fd);
      if (!st.isFile()) throw new TransferError('TeFileNotFound', 'not a regular file');
      this.state.fileSize = st.size;
      await this.enterData({ filesize: st.size, localPath: this.state.trueFullPath });
      this.log.info({ rule: this.rule.name, file: this.row.srcFilename }, 'download started');
    } catch (err) {
      if (this.haltError !== undefined) throw this.haltError;
      throw await this.failWith(err);
    }
  }

  /**
   * Reads up to `length` bytes (at most 255 KiB) at `offset` into `buf` at `at`;
   * `done(null, 0)` at end of file. The buffer is the caller's (the SFTP layer reads straight
   * into the reply packet it will send, and reuses it).
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
      this.#readDone();
      if (err !== null) {
        done(err, 0);
        return;
      }
      if (n > 0) {
        if (offset + n > this.#served) this.#served = offset + n;
        this.flushProgressSoon();
      }
      done(null, n);
    });
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
      this.#readDone();
      if (err !== null) {
        done(err, 0);
        return;
      }
      if (n > 0) {
        if (offset + n > this.#served) this.#served = offset + n;
        this.flushProgressSoon();
      }
      done(null, n);
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

  /** The file's current attributes (fstat on the open fd). */
  stat(): Promise<Stats> {
    if (this.#fd === undefined)
      return Promise.reject(this.haltError ?? new TransferError('TeInternal', 'closed'));
    return fstatFd(this.#fd);
  }

  /** The partner closed the file: post-tasks, then DONE (or failure, thrown). */
  async finish(): Promise<void> {
    if (this.phase !== 'data')
      throw this.haltError ?? new TransferError('TeInternal', 'the transfer is not open');
    this.phase = 'closing';
    try {
      await this.releaseData();
      await this.settleFlush();
      await this.save({ progress: this.#served });
      await this.runChain('POST');
      await this.completeTransfer();
    } catch (err) {
      throw await this.failWith(err);
    }
  }

  protected override releaseData(): Promise<void> {
    this.#released ??= (async () => {
      if (this.#reads > 0) await new Promise<void>((resolve) => this.#readsDone.push(resolve));
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
