/**
 * Per-connection flow control. Replies are corked for one event-loop turn (many small STATUS
 * packets leave in few TCP segments), and reading stops while too many WRITE bytes wait for the
 * disk: ssh2 widens the SSH window as soon as it parses data, so without this a fast client
 * could pile up hundreds of megabytes in memory.
 *
 * The WRITE bytes waiting for the disk are also counted node-wide (the node's upload budget,
 * `[controller] UploadBuffer`): every connection stops reading while the node is over it, so many
 * connections together cannot go past it either (each one alone stays under its own high-water
 * mark).
 *
 * Replies are bounded too: reading stops while the socket holds more than `outputHighWater`
 * unsent bytes (a client that sends requests but does not read the answers), until it drains,
 * and a session may hold the input while it has too many requests waiting (see session.ts).
 */
import type { Socket } from 'node:net';
import type { MemoryBudget } from '../transfer/memory-budget.js';

export const defaultHighWater = 16 << 20;
export const defaultLowWater = 4 << 20;
/** Unsent reply bytes in the socket above which reading stops until it drains. */
export const outputHighWater = 16 << 20;

export class Flow {
  #corked = false;
  #pending = 0;
  /** Why reading is stopped: WRITE bytes waiting for the disk, unsent replies, sessions' holds. */
  #writesFull = false;
  #outputFull = false;
  #holds = 0;
  #paused = false;
  #waiting = false;
  readonly #wake = (): void => {
    this.#waiting = false;
    this.#updateWrites();
  };
  readonly #drained = (): void => {
    this.#outputFull = false;
    this.#apply();
  };

  constructor(
    private readonly sock: Socket | undefined,
    private readonly budget: MemoryBudget,
    private readonly highWater = defaultHighWater,
    private readonly lowWater = defaultLowWater,
  ) {}

  /** Runs `send` (which writes replies) with the socket corked until the end of this turn. */
  reply(send: () => void): void {
    this.#cork();
    send();
  }

  /**
   * Corks the socket for the rest of this event-loop turn, from the moment a chunk comes in:
   * what ssh2 sends while it processes the chunk (replies, but above all the DATA packets it
   * had queued for the client's window and flushes when a window adjust arrives, one write per
   * 32 KiB packet) then leaves in one writev.
   */
  corkOnInput(): void {
    this.sock?.prependListener('data', () => this.#cork());
  }

  #cork(): void {
    const sock = this.sock;
    if (sock === undefined || this.#corked || sock.destroyed) return;
    this.#corked = true;
    sock.cork();
    setImmediate(() => {
      this.#corked = false;
      sock.uncork();
      this.#checkOutput();
    });
  }

  /** `n` more bytes wait for the disk; reading pauses above the high-water mark. */
  take(n: number): void {
    this.#pending += n;
    this.budget.take(n);
    if (!this.#writesFull && (this.#pending > this.highWater || this.budget.over)) this.#updateWrites();
  }

  /** `n` bytes reached the disk (or failed); reading resumes below the low-water mark. */
  give(n: number): void {
    this.#pending -= n;
    this.budget.give(n);
    if (this.#writesFull) this.#updateWrites();
  }

  get pendingBytes(): number {
    return this.#pending;
  }

  /** Bytes written to the socket and not yet taken by the kernel. */
  get socketBacklog(): number {
    return this.sock?.writableLength ?? 0;
  }

  /** Stops reading from the connection until the returned function is called (once). */
  hold(): () => void {
    this.#holds++;
    this.#apply();
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#holds--;
      this.#apply();
    };
  }

  /** The connection is over (its bytes are given back by the writes still finishing). */
  close(): void {
    if (this.#waiting) this.budget.cancel(this.#wake);
    this.#waiting = false;
  }

  #updateWrites(): void {
    if (!this.#writesFull) {
      if (this.#pending > this.highWater || this.budget.over) this.#writesFull = true;
    } else if (this.#pending <= this.lowWater && this.budget.roomy) {
      this.#writesFull = false;
    }
    // Stopped by the node-wide budget: woken when it has room again (our own writes may
    // all be done, so give() would never be called here).
    if (this.#writesFull && !this.budget.roomy && !this.#waiting) {
      this.#waiting = true;
      this.budget.wait(this.#wake);
    }
    this.#apply();
  }

  #checkOutput(): void {
    const sock = this.sock;
    if (sock === undefined || this.#outputFull || sock.destroyed) return;
    if (sock.writableLength > outputHighWater) {
      this.#outputFull = true;
      sock.once('drain', this.#drained);
      this.#apply();
    }
  }

  #apply(): void {
    const sock = this.sock;
    if (sock === undefined) return;
    const stop = this.#writesFull || this.#outputFull || this.#holds > 0;
    if (stop === this.#paused) return;
    this.#paused = stop;
    if (stop) sock.pause();
    else sock.resume();
  }
}
