/**
 * One thread for every upload of the process that hashes files as they are written
 * (hash-worker-thread.ts): SHA-256 costs about 0.6 s of CPU per GiB here, the largest single
 * cost of an upload on the event loop, which also decrypts and parses every byte. The thread
 * reads each file back from the page cache below the contiguous mark as the writer advances it.
 * If the thread cannot start or dies, every job answers undefined and the caller reads the file
 * back instead: slower, never wrong.
 */
import { Worker } from 'node:worker_threads';

/** Main thread → hash thread. */
export type HashRequest =
  | { op: 'start'; id: number; path: string }
  | { op: 'advance' | 'finish'; id: number; to: number }
  | { op: 'cancel'; id: number };

/** Hash thread → main thread, the answer to `finish`. */
export type HashReply = { id: number; hex: string } | { id: number; error: string };

/** One file's hash, followed in the worker. */
export interface HashJob {
  /** Bytes [0, to) are written: hash them. */
  advance(to: number): void;
  /** Hashes up to `size` and gives the hex digest (undefined on any failure). */
  finish(size: number): Promise<string | undefined>;
  cancel(): void;
}

/** The thread's compiled module, next to this one in dist/ (tests) and in the package. */
const threadModule = new URL('./hash-worker-thread.js', import.meta.url);

export class HashWorker {
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
    this.#worker = new Worker(threadModule);
    this.#worker.on('message', (m: HashReply) => {
      const resolve = this.#waiting.get(m.id);
      this.#waiting.delete(m.id);
      if (this.#waiting.size === 0) this.#worker.unref();
      resolve?.('hex' in m ? m.hex : undefined);
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
    // Kept alive only while an answer is awaited (after the listeners: adding one refs it again).
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
          this.#worker.ref();
          this.#post({ op: 'finish', id, to });
        }),
      cancel: () => this.#post({ op: 'cancel', id }),
    };
  }

  #post(m: HashRequest): void {
    try {
      this.#worker.postMessage(m);
    } catch {
      // A dead worker: finish() resolves undefined (see fail).
    }
  }
}
