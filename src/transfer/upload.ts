/**
 * A partner's upload: bytes land in the transfer's tmp file at the partner's offsets (at its
 * end with APPEND); at close the file is hashed, moved into the receive directory, the times
 * and mode the partner set are applied, post-tasks run and the row goes DONE. Progress is the
 * contiguous high-water mark, so a resume (by any node) starts where every byte before is
 * known to be written. An upload into an existing file without TRUNC starts from a copy of it
 * (POSIX: its bytes are kept), and the delivered file replaces it whole at the end.
 */
import { close, fdatasync, fstat, ftruncate, open } from 'node:fs';
import { constants } from 'node:fs';
import { unlink } from 'node:fs/promises';
import { promisify } from 'node:util';
import { TransferError } from '../model/transfer-state.js';
import type { AttrChange } from './attributes.js';
import { applyAttrs, checkChange, mergeChanges } from './attributes.js';
import { FileWriter } from './file-writer.js';
import { sha256File } from './hash.js';
import { resolveInside } from './jail.js';
import { TransferLostError } from './lifecycle.js';
import { ServerTransfer } from './server-transfer.js';
import { moveTo } from './tasks/file-ops.js';

const openFd = promisify(open);
const closeFd = promisify(close);
const fstatFd = promisify(fstat);
const truncateFd = promisify(ftruncate);
const syncFd = promisify(fdatasync);

/** Flushed in the background as it comes, so the fdatasync at the end has only the tail left. */
const syncEveryBytes = 64 << 20;

export interface UploadStart {
  readonly tmpPath: string;
  readonly finalDir: string;
  /** Bytes [0, resumeFrom) of the tmp file are kept (a resume, or the copy of an existing file). */
  readonly resumeFrom: number;
  /** Mode of a created tmp file. */
  readonly mode: number;
  /** The partner asked for APPEND: every write lands at the end, whatever its offset. */
  readonly append: boolean;
  /** Size of the file this upload changes (copied into the tmp file), if any. */
  readonly previousSize?: number;
  /** Isolated folder: the ownership of the final name to give back if the post-tasks move it away. */
  readonly owned?: { readonly release: (path: string) => Promise<void> };
  /** The row was made by this open (not a resumed one). */
  readonly newRow: boolean;
}

export class UploadTransfer extends ServerTransfer {
  #fd: number | undefined;
  #writer: FileWriter | undefined;
  #released: Promise<void> | undefined;
  #tmpPath = '';
  /** The file was moved from its tmp name to its final place. */
  #moved = false;
  #finalDir = '';
  #start = 0;
  /** Set once every byte is received: the size, which progress then is. */
  #received: number | undefined;
  #append = false;
  /** Where the next APPEND write lands. */
  #appendAt = 0;
  #wrote = false;
  #previousSize: number | undefined;
  #owned: UploadStart['owned'];
  /** Times and mode set on the open file, applied to the final file after the move. */
  #attrs: AttrChange | undefined;
  /** The size the partner set on the open file (setstat), applied when it is closed. */
  #sizeAtEnd: number | undefined;

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

  /** Times and mode the partner set on the open file so far (shown by stat until the end). */
  get attrs(): Readonly<AttrChange> | undefined {
    return this.#attrs;
  }

  /**
   * The partner set times, a mode or a size on the file being received: kept for the final file.
   * A size is the size the file has when it is closed (lftp sets it while its writes are still
   * in flight): cut or zero-extended to it then, as ftruncate would.
   */
  setAttrs(change: AttrChange): void {
    const { size, ...rest } = change;
    checkChange(rest, undefined);
    if (size !== undefined) this.#sizeAtEnd = size;
    this.#attrs = mergeChanges(this.#attrs, rest);
  }

  /** fsync@openssh.com: what was written so far is on disk. */
  async sync(): Promise<void> {
    const writer = this.#writer;
    const fd = this.#fd;
    if (this.phase !== 'data' || writer === undefined || fd === undefined)
      throw this.haltError ?? new TransferError('TeInternal', 'the transfer is not receiving data');
    await writer.drain();
    await syncFd(fd);
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
  async begin(start: UploadStart): Promise<void> {
    const { tmpPath } = start;
    this.#tmpPath = tmpPath;
    this.#finalDir = start.finalDir;
    this.#append = start.append;
    this.#previousSize = start.previousSize;
    this.#owned = start.owned;
    try {
      this.#fd = await openFd(tmpPath, constants.O_RDWR | constants.O_CREAT, start.mode);
      const st = await fstatFd(this.#fd);
      // The tmp file may hold less than the row says (lost on a crash before write-back).
      this.#start = Math.min(start.resumeFrom, st.size);
      this.#appendAt = this.#start;
      await truncateFd(this.#fd, this.#start);
      if (start.previousSize !== undefined)
        this.state.info = { ...this.state.info, previousSize: start.previousSize };
      const setup = {
        progress: this.#start,
        localPath: tmpPath,
        ...(start.previousSize === undefined ? {} : { info: this.state.info }),
      };
      const preDue = this.row.step === 'StepNone' || this.row.step === 'StepPreTasks';
      if (preDue && this.rule.preTasks.length > 0) {
        // The row names the tmp file before any task runs (a resume must find it).
        await this.save(setup);
        await this.runChain('PRE');
      }
      this.#writer = new FileWriter(this.#fd, this.#start, { path: tmpPath, syncEveryBytes });
      // A new row needs no write before the data when no pre-task ran: see enterData.
      await this.enterData(setup, !start.newRow || start.previousSize !== undefined);
      this.log.info(
        { rule: this.rule.name, file: this.row.destFilename, from: this.#start, append: this.#append },
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
    const first = !this.#wrote;
    this.#wrote = true;
    // A first write naming an offset other than the end (or 0, "wherever it ends") comes from
    // a client resuming from a size it was told (OpenSSH's reput opens with APPEND): that size
    // may be older than the record's (a stat on another node while the cut session was still
    // ending). Appended at the real end, its bytes would deliver a shifted file; written where
    // it says, the file is whole, or its gap is refused at close.
    if (this.#append && first && offset !== 0 && offset !== this.#appendAt) {
      this.log.info(
        { offset, end: this.#appendAt },
        'append from another offset than the end: written where the client says',
      );
      this.#append = false;
    }
    if (this.#append) {
      // As OpenSSH's server (O_APPEND): the offset the client gave is not used.
      offset = this.#appendAt;
      this.#appendAt += data.length;
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
    if (!this.#wrote && this.#previousSize !== undefined && this.#start === this.#previousSize) {
      // An existing file opened for writing and closed unchanged: no delivery, no record.
      await this.#leaveUnchanged();
      return;
    }
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
      const cut = this.#sizeAtEnd !== undefined && this.#sizeAtEnd !== writer.size;
      if (writer.hasGaps && !(cut && (this.#sizeAtEnd ?? 0) <= writer.progress)) {
        // Bytes are missing (a resume from a wrong offset): never pass such a file on.
        throw new TransferError(
          'TeDataTransfer',
          `the file was closed with bytes missing after byte ${writer.progress} (size ${writer.size})`,
        );
      }
      const size = cut ? (this.#sizeAtEnd ?? 0) : writer.size;
      if (cut && this.#fd !== undefined) await truncateFd(this.#fd, size);
      // The hash (read back by the worker for large files) and the final flush run together.
      const [written] = await Promise.all([writer.sha256(), this.#closeFile(true)]);
      const hashed = cut ? undefined : written;
      this.#received = size;
      const sha256 = hashed ?? (await sha256File(this.#tmpPath));
      finalPath = await this.#moveToFinal();
      this.#moved = true;
      await this.#applyAttrs(finalPath);
      this.state.trueFullPath = finalPath;
      this.state.fileSize = size;
      this.state.info = { ...this.state.info, sha256 };
      await this.saveBeforePost({
        progress: size,
        step: 'StepPostTasks',
        taskNumber: 0,
        filesize: size,
        localPath: finalPath,
        info: this.state.info,
      });
      await this.runChain('POST');
      await this.completeTransfer();
      // A post-task moved the file away: its name in the isolated folder is free again.
      if (this.#owned !== undefined && this.state.trueFullPath !== finalPath)
        await this.#owned
          .release(finalPath)
          .catch((err: unknown) => this.log.warn({ err }, 'cannot free the name'));
    } catch (err) {
      throw await this.failWith(err);
    }
  }

  async #leaveUnchanged(): Promise<void> {
    const target = await resolveInside(this.#finalDir, this.row.destFilename);
    await this.discardRecord();
    await unlink(this.#tmpPath).catch(() => undefined);
    await this.#applyAttrs(target);
    this.log.info(
      { file: this.row.destFilename },
      'file opened for writing and closed unchanged: no transfer',
    );
  }

  async #applyAttrs(path: string): Promise<void> {
    if (this.#attrs === undefined) return;
    const { filePermissions, directoryPermissions } = this.ctx.config.paths;
    await applyAttrs(path, this.#attrs, { file: filePermissions, dir: directoryPermissions });
  }

  protected override releaseData(): Promise<void> {
    this.#released ??= (async () => {
      await this.#writer?.drain();
      this.#writer?.discard();
      await this.#closeFile(false);
    })();
    return this.#released;
  }

  /** Failed before its file was moved: the bytes are in the tmp file, which a resume continues. */
  protected override failedFilePath(): string {
    return this.#moved || this.#tmpPath === '' ? super.failedFilePath() : this.#tmpPath;
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
