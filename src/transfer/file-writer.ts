/**
 * Positioned writes of one upload through one fd, with fs callbacks (no promise per packet).
 * Writes that arrive while one is on disk are queued; contiguous queued writes go down as one
 * `fs.writev` (measured: a third less CPU per GiB than one write each). It also keeps the
 * contiguous high-water mark and the file's SHA-256.
 *
 * The SHA-256 is computed on the main thread only for the first `inlineHashLimit` bytes (small
 * files: no round trip). Past that, when the writer knows the file's path, a worker thread
 * shared by all uploads hashes the file instead, reading back from the page cache the bytes
 * below the contiguous mark as it advances: SHA-256 costs about 0.6 s of CPU per GiB here, the
 * largest single cost of an upload on the event loop, which also decrypts and parses every
 * byte. A resumed upload is hashed the same way from byte 0. Without a worker (or after a
 * rewrite of bytes already hashed) there is no running hash and the caller reads the file back.
 *
 * `syncEveryBytes` starts an `fdatasync` in the background each time that many bytes were
 * written, so that the final one (the row may only say DONE once the bytes are on disk) has
 * only the tail left to flush instead of the whole file.
 */
import { createHash } from 'node:crypto';
import type { Hash } from 'node:crypto';
import { fdatasync, write, writev } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { ContiguousRange } from './contiguous.js';

type Done = (err: Error | null) => void;

interface Pending {
  offset: number;
  data: Buffer;
  done: Done;
}

/** Bound of one writev: IOV_MAX is 1024 on Linux. */
const maxBatchBuffers = 1024;
const maxBatchBytes = 16 << 20;
/** Hashed on the event loop up to this size; the hash worker takes over beyond. */
export const inlineHashLimit = 8 << 20;
/** The worker is told about the contiguous mark in steps of this many bytes. */
const hashStep = 8 << 20;

export interface FileWriterOptions {
  /** The file's path: lets the hash worker read it back (without it, hashing stays inline). */
  readonly path?: string;
  /** Background fdatasync every this many bytes written (0: never). */
  readonly syncEveryBytes?: number;
}

export class FileWriter {
  readonly #fd: number;
  readonly #range: ContiguousRange;
  readonly #path: string | undefined;
  readonly #syncEvery: number;
  #queue: Pending[] = [];
  #busy = false;
  #idle: (() => void)[] = [];
  #hash: Hash | undefined;
  #hashedTo: number;
  /** The hash worker's job for this file, and the mark it was last told about. */
  #job: HashJob | undefined;
  #jobTo = 0;
  /** The hash can no longer be trusted (bytes already hashed were rewritten). */
  #hashLost = false;
  #failed: Error | undefined;
  /** Bytes handed to write() and not yet on disk. */
  #queuedBytes = 0;
  #unsynced = 0;
  #syncing = false;

  /**
   * `start`: bytes [0, start) are already in the file (a resume). The running hash starts only
   * from an empty file; a resumed upload is hashed by the worker from byte 0 when the path is
   * known, else by reading the file back at the end.
   */
  constructor(fd: number, start: number, options: FileWriterOptions = {}) {
    this.#fd = fd;
    this.#range = new ContiguousRange(start);
    this.#path = options.path;
    this.#syncEvery = options.syncEveryBytes ?? 0;
    this.#hash = start === 0 ? createHash('sha256') : undefined;
    this.#hashedTo = start;
    if (start > 0) this.#startJob();
  }

  /** Bytes [0, progress) are all written. */
  get progress(): number {
    return this.#range.mark;
  }

  /** End of the furthest byte written. */
  get size(): number {
    return this.#range.maxEnd;
  }

  get hasGaps(): boolean {
    return this.#range.hasGaps;
  }

  get queuedBytes(): number {
    return this.#queuedBytes;
  }

  /** The first write error; every later write fails with it. */
  get failure(): Error | undefined {
    return this.#failed;
  }

  write(offset: number, data: Buffer, done: Done): void {
    if (this.#failed !== undefined) {
      done(this.#failed);
      return;
    }
    this.#queuedBytes += data.length;
    this.#queue.push({ offset, data, done });
    if (!this.#busy) this.#pump();
  }

  /** Resolves once every write handed in so far is on disk (or failed), background sync included. */
  drain(): Promise<void> {
    if (!this.#busy && !this.#syncing && this.#queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  /**
   * SHA-256 of [0, size) computed on the event loop, when every byte came in order from 0 and
   * the file stayed under `inlineHashLimit`; else undefined (see sha256()).
   */
  digest(): string | undefined {
    if (this.#hash === undefined || this.#hashedTo !== this.#range.maxEnd || this.#range.hasGaps)
      return undefined;
    const hex = this.#hash.digest('hex');
    this.#hash = undefined;
    return hex;
  }

  /**
   * SHA-256 of [0, size) once every write is done (call after drain()): inline or from the
   * hash worker; undefined when neither could follow the file (read it back then).
   */
  async sha256(): Promise<string | undefined> {
    const inline = this.digest();
    if (inline !== undefined) return inline;
    const job = this.#job;
    this.#job = undefined;
    if (job === undefined || this.#hashLost || this.#range.hasGaps) {
      job?.cancel();
      return undefined;
    }
    return job.finish(this.#range.maxEnd);
  }

  /** The writer is abandoned (transfer stopped): frees the worker's job. */
  discard(): void {
    this.#job?.cancel();
    this.#job = undefined;
    this.#hash = undefined;
  }

  #pump(): void {
    const first = this.#queue.shift();
    if (first === undefined) {
      this.#busy = false;
      this.#maybeSync();
      this.#notifyIdle();
      return;
    }
    this.#busy = true;
    const batch: Pending[] = [first];
    let end = first.offset + first.data.length;
    let bytes = first.data.length;
    for (;;) {
      const next = this.#queue[0];
      if (next === undefined || next.offset !== end) break;
      if (batch.length >= maxBatchBuffers || bytes + next.data.length > maxBatchBytes) break;
      this.#queue.shift();
      batch.push(next);
      end += next.data.length;
      bytes += next.data.length;
    }
    const finish = (err: NodeJS.ErrnoException | null, written: number): void => {
      this.#queuedBytes -= bytes;
      let failure: Error | null = err;
      if (failure === null && written !== bytes)
        failure = new Error(`short write: ${written} of ${bytes} bytes`);
      if (failure !== null) {
        this.#failed ??= failure;
      } else {
        // Bytes below the mark written again: whatever hashed them is stale.
        if (first.offset < this.#range.mark) this.#loseHash();
        this.#range.add(first.offset, end);
        this.#track(first.offset, batch);
        this.#unsynced += bytes;
      }
      for (const p of batch) p.done(failure);
      if (this.#failed !== undefined) this.#failQueue();
      this.#pump();
    };
    if (batch.length === 1) {
      write(this.#fd, first.data, 0, first.data.length, first.offset, finish);
    } else {
      writev(
        this.#fd,
        batch.map((p) => p.data),
        first.offset,
        finish,
      );
    }
  }

  #notifyIdle(): void {
    if (this.#busy || this.#syncing || this.#queue.length > 0) return;
    const waiters = this.#idle;
    this.#idle = [];
    for (const w of waiters) w();
  }

  /** Between batches: a background fdatasync once enough bytes were written since the last. */
  #maybeSync(): void {
    if (this.#syncEvery <= 0 || this.#syncing || this.#unsynced < this.#syncEvery || this.#failed) return;
    this.#unsynced = 0;
    this.#syncing = true;
    fdatasync(this.#fd, () => {
      // A failure here is not the upload's: the final fdatasync reports it.
      this.#syncing = false;
      if (!this.#busy && this.#queue.length > 0) this.#pump();
      else this.#notifyIdle();
    });
  }

  #track(offset: number, batch: Pending[]): void {
    if (this.#hash !== undefined) {
      if (offset !== this.#hashedTo) {
        // Out of order or rewritten: the running hash cannot be trusted any more.
        this.#hash = undefined;
      } else {
        for (const p of batch) {
          this.#hash.update(p.data);
          this.#hashedTo += p.data.length;
        }
        if (this.#hashedTo > inlineHashLimit && this.#path !== undefined) {
          // Large file: the worker takes over (from byte 0; it reads the file back).
          this.#hash = undefined;
          this.#startJob();
        }
      }
    }
    const job = this.#job;
    if (job !== undefined && this.#range.mark - this.#jobTo >= hashStep) {
      this.#jobTo = this.#range.mark;
      job.advance(this.#jobTo);
    }
  }

  #startJob(): void {
    if (this.#path === undefined || this.#hashLost || this.#job !== undefined) return;
    this.#job = HashWorker.shared()?.start(this.#path);
    this.#jobTo = 0;
  }

  #loseHash(): void {
    this.#hashLost = true;
    this.#hash = undefined;
    this.#job?.cancel();
    this.#job = undefined;
  }

  #failQueue(): void {
    const queued = this.#queue;
    this.#queue = [];
    for (const p of queued) {
      this.#queuedBytes -= p.data.length;
      p.done(this.#failed ?? new Error('write failed'));
    }
  }
}

// ---- the hash worker ------------------------------------------------------------------------

interface HashJob {
  /** Bytes [0, to) are written: hash them. */
  advance(to: number): void;
  /** Hashes up to `size` and gives the hex digest (undefined on any failure). */
  finish(size: number): Promise<string | undefined>;
  cancel(): void;
}

type WorkerMessage =
  | { op: 'start'; id: number; path: string }
  | { op: 'advance' | 'finish'; id: number; to: number }
  | { op: 'cancel'; id: number };

/** One thread for every upload of the process: it reads each file back and hashes it. */
const workerSource = `
const { parentPort } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const { openSync, readSync, closeSync } = require('node:fs');
const jobs = new Map();
const buf = Buffer.allocUnsafe(1 << 20);
function close(job) { if (job.fd >= 0) { try { closeSync(job.fd); } catch {} } }
parentPort.on('message', (m) => {
  if (m.op === 'start') {
    const job = { fd: -1, hash: createHash('sha256'), pos: 0, error: undefined };
    try { job.fd = openSync(m.path, 'r'); } catch (err) { job.error = String(err); }
    jobs.set(m.id, job);
    return;
  }
  const job = jobs.get(m.id);
  if (job === undefined) {
    if (m.op === 'finish') parentPort.postMessage({ id: m.id, error: 'unknown job' });
    return;
  }
  if (m.op === 'cancel') { jobs.delete(m.id); close(job); return; }
  if (job.error === undefined) {
    try {
      while (job.pos < m.to) {
        const n = readSync(job.fd, buf, 0, Math.min(buf.length, m.to - job.pos), job.pos);
        if (n === 0) throw new Error('the file is shorter than written');
        job.hash.update(buf.subarray(0, n));
        job.pos += n;
      }
    } catch (err) { job.error = String(err); }
  }
  if (m.op === 'finish') {
    jobs.delete(m.id);
    close(job);
    parentPort.postMessage(job.error === undefined ? { id: m.id, hex: job.hash.digest('hex') } : { id: m.id, error: job.error });
  }
});
`;

class HashWorker {
  static #shared: HashWorker | undefined;
  static #broken = false;

  /** The process's hash worker (started on first use); undefined if it cannot run. */
  static shared(): HashWorker | undefined {
    if (HashWorker.#broken) return undefined;
    try {
      HashWorker.#shared ??= new HashWorker();
      return HashWorker.#shared;
    } catch {
      HashWorker.#broken = true;
      return undefined;
    }
  }

  readonly #worker: Worker;
  readonly #waiting = new Map<number, (hex: string | undefined) => void>();
  #next = 1;

  private constructor() {
    this.#worker = new Worker(workerSource, { eval: true });
    this.#worker.on('message', (m: { id: number; hex?: string }) => {
      const resolve = this.#waiting.get(m.id);
      this.#waiting.delete(m.id);
      resolve?.(m.hex);
    });
    const fail = (): void => {
      // Every waiting upload falls back to reading its file; later ones hash inline.
      HashWorker.#broken = true;
      if (HashWorker.#shared === this) HashWorker.#shared = undefined;
      for (const resolve of this.#waiting.values()) resolve(undefined);
      this.#waiting.clear();
    };
    this.#worker.on('error', fail);
    this.#worker.on('exit', fail);
    // Never what keeps the process alive (after the listeners: adding one refs the port again).
    this.#worker.unref();
  }

  start(path: string): HashJob {
    const id = this.#next++;
    this.#post({ op: 'start', id, path });
    return {
      advance: (to) => this.#post({ op: 'advance', id, to }),
      finish: (to) =>
        new Promise<string | undefined>((resolve) => {
          if (HashWorker.#broken) {
            resolve(undefined);
            return;
          }
          this.#waiting.set(id, resolve);
          this.#post({ op: 'finish', id, to });
        }),
      cancel: () => this.#post({ op: 'cancel', id }),
    };
  }

  #post(m: WorkerMessage): void {
    try {
      this.#worker.postMessage(m);
    } catch {
      // A dead worker: finish() resolves undefined (see fail).
    }
  }
}
