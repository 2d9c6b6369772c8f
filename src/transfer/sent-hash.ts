/**
 * The SHA-256 of a downloaded file, for its DONE record: what the partner was sent, as the
 * upload records say what was received.
 *
 * Most clients read a file in order, so the bytes are hashed as they leave, at no extra I/O.
 * A read that skips ahead (a prefetch answered out of order, a segmented download, a resumed
 * record) ends the streaming; the file is then hashed once more from the download's own open fd
 * at the end, so it is the same file whatever happened to its name meanwhile.
 */
import { createHash } from 'node:crypto';
import type { Hash } from 'node:crypto';
import { hashFd } from './hash.js';

export class SentHash {
  #hash: Hash | undefined;
  /** Bytes [0, #hashedTo) are in #hash. */
  #hashedTo = 0;

  /** `streaming`: the record starts at byte 0 (a resumed one cannot hash what it did not send). */
  constructor(streaming: boolean) {
    this.#hash = streaming ? createHash('sha256') : undefined;
  }

  /** Bytes [offset, offset + data.length) were just read for the partner. */
  update(offset: number, data: Buffer): void {
    if (this.#hash === undefined) return;
    const end = offset + data.length;
    if (end <= this.#hashedTo) return; // read again (a client's retry): already in
    if (offset > this.#hashedTo) {
      this.#hash = undefined; // a gap: hashed from the file at the end
      return;
    }
    this.#hash.update(data.subarray(this.#hashedTo - offset));
    this.#hashedTo = end;
  }

  /** Same as `update`, for `n` bytes spread over `parts` in order (a readv). */
  updateParts(offset: number, parts: readonly Buffer[], n: number): void {
    let at = offset;
    let left = n;
    for (const part of parts) {
      if (left <= 0 || this.#hash === undefined) return;
      const take = Math.min(part.length, left);
      this.update(at, part.subarray(0, take));
      at += take;
      left -= take;
    }
  }

  /** The hex digest of bytes [0, size) of the file open as `fd`. */
  async digest(fd: number, size: number): Promise<string> {
    const streamed = this.#hash !== undefined && this.#hashedTo === size ? this.#hash : undefined;
    this.#hash = undefined; // a digest is final: later reads add nothing
    if (streamed !== undefined) return streamed.digest('hex');
    return (await hashFd(fd, createHash('sha256'), size)).digest('hex');
  }
}
