/**
 * A partner's download: reads at the partner's offsets (so `reget` works) from one fd shared by
 * the reads in flight; no lock, so several partners can fetch the same file at once.
 * Closing the file runs the post-tasks and ends the transfer DONE.
 */
import { close, fstat, open, read } from 'node:fs';
import type { Stats } from 'node:fs';
import { constants } from 'node:fs';
import { promisify } from 'node:util';
import { TransferError } from '../model/transfer-state.js';
import { ServerTransfer } from './server-transfer.js';

const openFd = promisify(open);
const closeFd = promisify(close);
const fstatFd = promisify(fstat);

/** Largest READ answered at once: OpenSSH asks for at most 255 KiB. */
const maxRead = 256 * 1024;

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
      await this.save({ filesize: st.size, localPath: this.state.trueFullPath });
      await this.enterData();
      this.log.info({ rule: this.rule.name, file: this.row.srcFilename }, 'download started');
    } catch (err) {
      if (this.haltError !== undefined) throw this.haltError;
      throw await this.failWith(err);
    }
  }

  /** Reads up to `length` bytes at `offset`; `done(null, undefined)` at end of file. */
  read(offset: number, length: number, done: (err: Error | null, data?: Buffer) => void): void {
    const fd = this.#fd;
    if (this.phase !== 'data' || fd === undefined) {
      done(this.haltError ?? new TransferError('TeInternal', 'the transfer is not sending data'));
      return;
    }
    const buf = Buffer.allocUnsafe(Math.min(Math.max(length, 0), maxRead));
    this.#reads++;
    read(fd, buf, 0, buf.length, offset, (err, n) => {
      this.#readDone();
      if (err !== null) {
        done(err);
        return;
      }
      if (n === 0) {
        done(null, undefined);
        return;
      }
      if (offset + n > this.#served) this.#served = offset + n;
      this.flushProgressSoon();
      done(null, n === buf.length ? buf : buf.subarray(0, n));
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
