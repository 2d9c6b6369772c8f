/**
 * A partner's upload: bytes land in the transfer's tmp file at the partner's offsets; at close
 * the file is hashed, moved into the receive directory, post-tasks run and the row goes DONE.
 * Progress is the contiguous high-water mark, so a resume (by any node) starts where every
 * byte before is known to be written.
 */
import { close, fdatasync, fstat, ftruncate, open } from 'node:fs';
import { constants } from 'node:fs';
import { unlink } from 'node:fs/promises';
import { promisify } from 'node:util';
import { TransferError } from '../model/transfer-state.js';
import { FileWriter } from './file-writer.js';
import { sha256File } from './hash.js';
import { resolveInside } from './jail.js';
import { ServerTransfer, TransferLostError } from './server-transfer.js';
import { moveTo } from './tasks/file-ops.js';

const openFd = promisify(open);
const closeFd = promisify(close);
const fstatFd = promisify(fstat);
const truncateFd = promisify(ftruncate);
const syncFd = promisify(fdatasync);

/** Flushed in the background as it comes, so the fdatasync at the end has only the tail left. */
const syncEveryBytes = 64 << 20;

export class UploadTransfer extends ServerTransfer {
  #fd: number | undefined;
  #writer: FileWriter | undefined;
  #released: Promise<void> | undefined;
  #tmpPath = '';
  #finalDir = '';
  #start = 0;
  /** Set once every byte is received: the size, which progress then is. */
  #received: number | undefined;

  protected get progress(): number {
    return this.#received ?? this.#writer?.progress ?? this.#start;
  }

  /** Bytes [0, received) are written (the contiguous mark), live. */
  get received(): number {
    return this.progress;
  }

  /** Current size of the file being received (for fstat). */
  get size(): number {
    return this.#writer?.size ?? this.#start;
  }

  /** Bytes handed in and not yet on disk (the session's backpressure reads it). */
  get queuedBytes(): number {
    return this.#writer?.queuedBytes ?? 0;
  }

  /**
   * Opens the tmp file, keeps its first `resumeFrom` bytes (a stale tail never survives), runs
   * the pre-tasks still due, then enters the data phase. On failure the row is failed and the
   * error thrown.
   */
  async begin(tmpPath: string, finalDir: string, resumeFrom: number, mode: number): Promise<void> {
    this.#tmpPath = tmpPath;
    this.#finalDir = finalDir;
    try {
      this.#fd = await openFd(tmpPath, constants.O_RDWR | constants.O_CREAT, mode);
      const st = await fstatFd(this.#fd);
      // The tmp file may hold less than the row says (lost on a crash before write-back).
      this.#start = Math.min(resumeFrom, st.size);
      await truncateFd(this.#fd, this.#start);
      const setup = { progress: this.#start, localPath: tmpPath };
      const preDue = this.row.step === 'StepNone' || this.row.step === 'StepPreTasks';
      if (preDue && this.rule.preTasks.length > 0) {
        // The row names the tmp file before any task runs (a resume must find it).
        await this.save(setup);
        await this.runChain('PRE');
      }
      this.#writer = new FileWriter(this.#fd, this.#start, { path: tmpPath, syncEveryBytes });
      await this.enterData(setup);
      this.log.info(
        { rule: this.rule.name, file: this.row.destFilename, from: this.#start },
        'upload started',
      );
    } catch (err) {
      if (this.haltError !== undefined) throw this.haltError;
      throw await this.failWith(err);
    }
  }

  /** Writes at `offset`; `done` is called once the bytes are on disk (or failed). */
  write(offset: number, data: Buffer, done: (err: Error | null) => void): void {
    const writer = this.#writer;
    if (this.phase !== 'data' || writer === undefined) {
      done(this.haltError ?? new TransferError('TeInternal', 'the transfer is not receiving data'));
      return;
    }
    writer.write(offset, data, (err) => {
      if (err !== null) {
        done(err);
        void this.failWith(new TransferError('TeDataTransfer', `cannot write the file: ${err.message}`));
        return;
      }
      this.flushProgressSoon();
      done(null);
    });
  }

  /** The partner closed the file: finish the transfer (DONE) or fail it (thrown). */
  async finish(): Promise<void> {
    if (this.phase !== 'data')
      throw this.haltError ?? new TransferError('TeInternal', 'the transfer is not open');
    this.phase = 'closing';
    let finalPath: string | undefined;
    try {
      const writer = this.#writer;
      if (writer === undefined) throw new TransferError('TeInternal', 'no file open');
      await writer.drain();
      await this.settleFlush();
      if (writer.failure !== undefined) {
        throw new TransferError('TeDataTransfer', `cannot write the file: ${writer.failure.message}`);
      }
      if (writer.hasGaps) {
        // Bytes are missing (a resume from a wrong offset): never pass such a file on.
        throw new TransferError(
          'TeDataTransfer',
          `the file was closed with bytes missing after byte ${writer.progress} (size ${writer.size})`,
        );
      }
      const size = writer.size;
      // The hash (read back by the worker for large files) and the final flush run together.
      const [hashed] = await Promise.all([writer.sha256(), this.#closeFile(true)]);
      this.#received = size;
      const sha256 = hashed ?? (await sha256File(this.#tmpPath));
      finalPath = await this.#moveToFinal();
      this.state.trueFullPath = finalPath;
      this.state.fileSize = size;
      this.state.info = { ...this.state.info, sha256 };
      await this.save({
        progress: size,
        step: 'StepPostTasks',
        taskNumber: 0,
        filesize: size,
        localPath: finalPath,
        info: this.state.info,
      });
      await this.runChain('POST');
      await this.completeTransfer();
    } catch (err) {
      throw await this.failWith(err);
    }
  }

  protected override releaseData(): Promise<void> {
    this.#released ??= (async () => {
      await this.#writer?.drain();
      this.#writer?.discard();
      await this.#closeFile(false);
    })();
    return this.#released;
  }

  protected override async onCancelled(): Promise<void> {
    await unlink(this.#tmpPath).catch(() => undefined);
  }

  async #closeFile(sync: boolean): Promise<void> {
    const fd = this.#fd;
    if (fd === undefined) return;
    this.#fd = undefined;
    try {
      // The row will say DONE: the bytes must be on disk first.
      if (sync) await syncFd(fd);
    } finally {
      await closeFd(fd);
    }
  }

  async #moveToFinal(): Promise<string> {
    try {
      const target = await resolveInside(this.#finalDir, this.row.destFilename, { create: true });
      await moveTo(this.#tmpPath, target);
      return target;
    } catch (err) {
      if (err instanceof TransferLostError) throw err;
      const reason = err instanceof Error ? err.message : String(err);
      throw new TransferError(
        'TeFinalization',
        `cannot move the file into the receive directory: ${reason}`,
        {
          cause: err,
        },
      );
    }
  }
}
