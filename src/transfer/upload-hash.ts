/**
 * The SHA-256 of an upload, followed as its writes land (see file-writer.ts): on the event loop
 * for the first `inlineHashLimit` bytes (small files: no round trip), then by the hash worker
 * (hash-worker.ts) when the file's path is known, told the contiguous mark as it advances. A
 * resumed upload is hashed by the worker from byte 0. Bytes already hashed and written again
 * lose the hash: the caller reads the file back then.
 */
import { createHash } from 'node:crypto';
import type { Hash } from 'node:crypto';
import type { ContiguousRange } from './contiguous.js';
import type { HashJob } from './hash-worker.js';
import { HashWorker } from './hash-worker.js';

/** Hashed on the event loop up to this size; the hash worker takes over beyond. */
export const inlineHashLimit = 8 << 20;
/** The worker is told about the contiguous mark in steps of this many bytes. */
const hashStep = 8 << 20;

export class UploadHash {
  readonly #range: ContiguousRange;
  readonly #path: string | undefined;
  #hash: Hash | undefined;
  #hashedTo: number;
  /** The hash worker's job for this file, and the mark it was last told about. */
  #job: HashJob | undefined;
  #jobTo = 0;
  /** The hash can no longer be trusted (bytes already hashed were rewritten). */
  #lost = false;

  /**
   * `range`: the writer's, read for the file's extent. `start`: bytes [0, start) are already
   * in the file (a resume): only the worker can hash those, from the path.
   */
  constructor(range: ContiguousRange, start: number, path: string | undefined) {
    this.#range = range;
    this.#path = path;
    this.#hash = start === 0 ? createHash('sha256') : undefined;
    this.#hashedTo = start;
    if (start > 0) this.#startJob();
  }

  /** Bytes below the contiguous mark are about to be written again: no hash can follow them. */
  lose(): void {
    this.#lost = true;
    this.#hash = undefined;
    this.#job?.cancel();
    this.#job = undefined;
  }

  /** `batch` was written from `offset`, in order (and the writer's range updated). */
  written(offset: number, batch: readonly { readonly data: Buffer }[]): void {
    if (this.#hash !== undefined) {
      if (offset !== this.#hashedTo) {
        // Out of order or rewritten: the running hash cannot be trusted any more.
        this.#hash = undefined;
      } else {
        for (const { data } of batch) {
          this.#hash.update(data);
          this.#hashedTo += data.length;
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

  /** The inline SHA-256 of [0, size), when every byte came in order and stayed under the limit. */
  digest(): string | undefined {
    if (this.#hash === undefined || this.#hashedTo !== this.#range.maxEnd || this.#range.hasGaps)
      return undefined;
    const hex = this.#hash.digest('hex');
    this.#hash = undefined;
    return hex;
  }

  /** Inline or from the worker, once every write is done; undefined when neither could follow. */
  async sha256(): Promise<string | undefined> {
    const inline = this.digest();
    if (inline !== undefined) return inline;
    const job = this.#job;
    this.#job = undefined;
    if (job === undefined || this.#lost || this.#range.hasGaps) {
      job?.cancel();
      return undefined;
    }
    return job.finish(this.#range.maxEnd);
  }

  /** The upload is abandoned: frees the worker's job. */
  discard(): void {
    this.#job?.cancel();
    this.#job = undefined;
    this.#hash = undefined;
  }

  #startJob(): void {
    if (this.#path === undefined || this.#lost || this.#job !== undefined) return;
    this.#job = HashWorker.shared()?.start(this.#path);
    this.#jobTo = 0;
  }
}
