/**
 * Pipelined SFTP copies that start at an offset and report CONTIGUOUS progress: requests
 * complete out of order, so the progress saved for a resume is the end of the longest run of
 * completed bytes from the start, never a count that could hide a hole.
 */
import { close, fstat, open, read, write } from 'node:fs';
import type { SFTPWrapper } from 'ssh2';
import { TransferError } from '../model/transfer-state.js';

/**
 * Request size: what ssh2's client settled on for this connection. It is about 32 KiB unless
 * the server answered `limits@openssh.com` (our own SFTP server does: 255 KiB) or identifies
 * as OpenSSH (256 KiB - 2 KiB); never above OpenSSH's 255 KiB.
 */
const defaultChunk = 32 * 1024;
const maxChunk = 255 * 1024;
/** Requests outstanding: about 8 MiB in flight, between 8 and 64 requests. */
const bytesInFlight = 8 << 20;

function chunkSizeOf(sftp: SFTPWrapper, which: '_maxWriteLen' | '_maxReadLen'): number {
  const n = (sftp as unknown as Record<string, unknown>)[which];
  return typeof n === 'number' && n > 0 ? Math.min(n, maxChunk) : defaultChunk;
}

function inFlightFor(chunk: number): number {
  return Math.max(8, Math.min(64, Math.floor(bytesInFlight / chunk)));
}

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
export function pushFile(
  sftp: SFTPWrapper,
  localPath: string,
  remote: Buffer,
  size: number,
  options: CopyOptions,
): Promise<number> {
  // A worker's buffer is free again at once: ssh2's write() copies the bytes into its packet.
  return withFile(localPath, 'r', (fd) =>
    pipeline(size, options, chunkSizeOf(sftp, '_maxWriteLen'), async (buf, offset, length) => {
      const n = await fsRead(fd, buf, length, offset);
      if (n !== length)
        throw new TransferError('TeDataTransfer', `${localPath} changed size during the transfer`);
      await remoteWrite(sftp, remote, buf, length, offset);
      return length;
    }),
  );
}

/** Copies the remote handle (of `size` bytes) into the local file, from `options.from`. */
export function pullFile(
  sftp: SFTPWrapper,
  remote: Buffer,
  localPath: string,
  size: number,
  options: CopyOptions,
): Promise<number> {
  // A worker's buffer is free again once its bytes are written to the file.
  return withFile(localPath, 'r+', (fd) =>
    pipeline(size, options, chunkSizeOf(sftp, '_maxReadLen'), async (buf, offset, length) => {
      const n = await remoteRead(sftp, remote, buf, length, offset);
      if (n !== length)
        throw new TransferError('TeDataTransfer', 'the partner file changed size during the transfer');
      await fsWrite(fd, buf, length, offset);
      return n;
    }),
  );
}

/** Runs `fn` on the local file opened with `flags`, closed after. */
async function withFile<T>(path: string, flags: 'r' | 'r+', fn: (fd: number) => Promise<T>): Promise<T> {
  const fd = await fsOpen(path, flags);
  try {
    return await fn(fd);
  } finally {
    await fsClose(fd);
  }
}

/**
 * Runs `step` per `chunk` bytes over [from, size), with several requests outstanding: each
 * worker has its own buffer of `chunk` bytes, reused from one step to the next.
 */
async function pipeline(
  size: number,
  options: CopyOptions,
  chunk: number,
  step: (buf: Buffer, offset: number, length: number) => Promise<number>,
): Promise<number> {
  const tracker = new ContiguousTracker(options.from);
  let next = options.from;
  let failure: Error | undefined;
  const workers = Math.max(1, Math.min(inFlightFor(chunk), Math.ceil((size - options.from) / chunk)));
  const worker = async (): Promise<void> => {
    const buf = Buffer.allocUnsafe(chunk);
    while (failure === undefined && next < size) {
      if (options.signal.aborted) {
        const reason: unknown = options.signal.reason;
        failure ??= reason instanceof Error ? reason : new TransferError('TeStopped', 'stopped');
        return;
      }
      const offset = next;
      const length = Math.min(chunk, size - offset);
      next += length;
      try {
        await step(buf, offset, length);
        tracker.complete(offset, length);
        options.onProgress(tracker.contiguous);
      } catch (err) {
        failure ??= err instanceof Error ? err : new Error(String(err));
      }
    }
  };
  await Promise.all(Array.from({ length: workers }, worker));
  if (failure !== undefined) throw failure;
  return tracker.contiguous;
}

function remoteRead(
  sftp: SFTPWrapper,
  handle: Buffer,
  buf: Buffer,
  length: number,
  position: number,
): Promise<number> {
  return new Promise<number>((resolve, reject) =>
    sftp.read(handle, buf, 0, length, position, (err, n) =>
      err
        ? reject(new TransferError('TeDataTransfer', `read from partner failed: ${err.message}`))
        : resolve(n),
    ),
  );
}

function remoteWrite(
  sftp: SFTPWrapper,
  handle: Buffer,
  buf: Buffer,
  length: number,
  position: number,
): Promise<void> {
  return new Promise<void>((resolve, reject) =>
    sftp.write(handle, buf, 0, length, position, (err) =>
      err
        ? reject(new TransferError('TeDataTransfer', `write to partner failed: ${err.message}`))
        : resolve(),
    ),
  );
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

function fsRead(fd: number, buf: Buffer, length: number, position: number): Promise<number> {
  return new Promise((resolve, reject) =>
    read(fd, buf, 0, length, position, (err, n) => (err ? reject(err) : resolve(n))),
  );
}

function fsWrite(fd: number, buf: Buffer, length: number, position: number): Promise<void> {
  return new Promise((resolve, reject) =>
    write(fd, buf, 0, length, position, (err, written) =>
      err ? reject(err) : written !== length ? reject(new Error('short write')) : resolve(),
    ),
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
