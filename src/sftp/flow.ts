/**
 * Per-connection flow control. Replies are corked for one event-loop turn (many small STATUS
 * packets leave in few TCP segments), and reading stops while too many WRITE bytes wait for the
 * disk: ssh2 widens the SSH window as soon as it parses data, so without this a fast client
 * could pile up hundreds of megabytes in memory.
 */
import type { Socket } from 'node:net';

export const defaultHighWater = 16 << 20;
export const defaultLowWater = 4 << 20;

export class Flow {
  #corked = false;
  #pending = 0;
  #paused = false;

  constructor(
    private readonly sock: Socket | undefined,
    private readonly highWater = defaultHighWater,
    private readonly lowWater = defaultLowWater,
  ) {}

  /** Runs `send` (which writes replies) with the socket corked until the end of this turn. */
  reply(send: () => void): void {
    const sock = this.sock;
    if (sock !== undefined && !this.#corked && !sock.destroyed) {
      this.#corked = true;
      sock.cork();
      setImmediate(() => {
        this.#corked = false;
        sock.uncork();
      });
    }
    send();
  }

  /** `n` more bytes wait for the disk; reading pauses above the high-water mark. */
  take(n: number): void {
    this.#pending += n;
    if (!this.#paused && this.#pending > this.highWater && this.sock !== undefined) {
      this.#paused = true;
      this.sock.pause();
    }
  }

  /** `n` bytes reached the disk (or failed); reading resumes below the low-water mark. */
  give(n: number): void {
    this.#pending -= n;
    if (this.#paused && this.#pending <= this.lowWater && this.sock !== undefined) {
      this.#paused = false;
      this.sock.resume();
    }
  }

  get pendingBytes(): number {
    return this.#pending;
  }
}
