/**
 * Pipelined SFTP copies that start at an offset and report CONTIGUOUS progress: requests
 * complete out of order, so the progress saved for a resume is the end of the longest run of
 * completed bytes from the start, never a count that could hide a hole.
 */
import { close, fstat, open, read, write } from 'node:fs';
import type { SFTPWrapper } from 'ssh2';
import { TransferError } from '../model/transfer-state.js';

/** ssh2's client caps requests at about 32 KiB unless the server lifts the limit. */
const chunkSize = 32 * 1024;
const inFlight = 64;

export interface CopyOptions {
  /** Byte offset to start from (the saved progress). */
  from: number;
  /** Called with the contiguous byte count, at every advance (cheap: the caller throttles DB writes). */
  onProgress(contiguous: number): void;
  signal: AbortSignal;
}

/** Tracks completed chunks (offset -> length) and the contiguous prefix. */
class ContiguousTracker {
  readonly #done = new Map<number, number>();
  constructor(public contiguous: number) {}

  complete(offset: number, length: number): void {
    this.#done.set(offset, length);
    for (
      let len = this.#done.get(this.contiguous);
      len !== undefined;
      len = this.#done.get(this.contiguous)
    ) {
      this.#done.delete(this.contiguous);
      this.contiguous += len;
    }
  }
}

/** Copies `size` bytes of the local file to the remote handle, from `options.from`. */
export async function pushFile(
  sftp: SFTPWrapper,
  localPath: string,
  remote: Buffer,
  size: number,
  options: CopyOptions,
): Promise<number> {
  const fd = await fsOpen(localPath, 'r');
  try {
    return await pipeline(size, options, async (offset, length) => {
      const buf = Buffer.allocUnsafe(length);
      const n = await fsRead(fd, buf, offset);
      if (n !== length)
        throw new TransferError('TeDataTransfer', `${localPath} changed size during the transfer`);
      await new Promise<void>((resolve, reject) =>
        sftp.write(remote, buf, 0, length, offset, (err) =>
          err
            ? reject(new TransferError('TeDataTransfer', `write to partner failed: ${err.message}`))
            : resolve(),
        ),
      );
      return length;
    });
  } finally {
    await fsClose(fd);
  }
}

/** Copies the remote handle (of `size` bytes) into the local file, from `options.from`. */
export async function pullFile(
  sftp: SFTPWrapper,
  remote: Buffer,
  localPath: string,
  size: number,
  options: CopyOptions,
): Promise<number> {
  const fd = await fsOpen(localPath, 'r+');
  try {
    return await pipeline(size, options, async (offset, length) => {
      const buf = Buffer.allocUnsafe(length);
      const n = await new Promise<number>((resolve, reject) =>
        sftp.read(remote, buf, 0, length, offset, (err, bytesRead) =>
          err
            ? reject(new TransferError('TeDataTransfer', `read from partner failed: ${err.message}`))
            : resolve(bytesRead),
        ),
      );
      if (n !== length)
        throw new TransferError('TeDataTransfer', 'the partner file changed size during the transfer');
      await fsWrite(fd, buf, offset);
      return n;
    });
  } finally {
    await fsClose(fd);
  }
}

/** Runs `step(offset, length)` over [from, size) with `inFlight` requests outstanding. */
async function pipeline(
  size: number,
  options: CopyOptions,
  step: (offset: number, length: number) => Promise<number>,
): Promise<number> {
  const tracker = new ContiguousTracker(options.from);
  let next = options.from;
  let failure: Error | undefined;
  const worker = async (): Promise<void> => {
    while (failure === undefined && next < size) {
      if (options.signal.aborted) {
        const reason: unknown = options.signal.reason;
        failure ??= reason instanceof Error ? reason : new TransferError('TeStopped', 'stopped');
        return;
      }
      const offset = next;
      const length = Math.min(chunkSize, size - offset);
      next += length;
      try {
        await step(offset, length);
        tracker.complete(offset, length);
        options.onProgress(tracker.contiguous);
      } catch (err) {
        failure ??= err instanceof Error ? err : new Error(String(err));
      }
    }
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
  if (failure !== undefined) throw failure;
  return tracker.contiguous;
}

function fsOpen(path: string, flags: string): Promise<number> {
  return new Promise((resolve, reject) =>
    open(path, flags, (err, fd) =>
      err
        ? reject(err.code === 'ENOENT' ? new TransferError('TeFileNotFound', `${path}: no such file`) : err)
        : resolve(fd),
    ),
  );
}

function fsRead(fd: number, buf: Buffer, position: number): Promise<number> {
  return new Promise((resolve, reject) =>
    read(fd, buf, 0, buf.length, position, (err, n) => (err ? reject(err) : resolve(n))),
  );
}

function fsWrite(fd: number, buf: Buffer, position: number): Promise<void> {
  return new Promise((resolve, reject) =>
    write(fd, buf, 0, buf.length, position, (err) => (err ? reject(err) : resolve())),
  );
}

function fsClose(fd: number): Promise<void> {
  return new Promise((resolve) => close(fd, () => resolve()));
}

export function fileSize(path: string): Promise<number> {
  return new Promise((resolve, reject) =>
    open(path, 'r', (err, fd) => {
      if (err) {
        reject(err.code === 'ENOENT' ? new TransferError('TeFileNotFound', `${path}: no such file`) : err);
        return;
      }
      fstat(fd, (e, st) => {
        close(fd, () => undefined);
        if (e) reject(e);
        else resolve(st.size);
      });
    }),
  );
}
