/**
 * Same-size buffers kept for reuse on the SFTP data paths (WRITE packets, DATA replies): a fresh
 * 256 KiB buffer per packet is the churn of external memory that drives V8's full garbage
 * collections during a transfer. At most `max` are kept, and the pool empties itself once it has
 * not been used for a few seconds, so an idle process holds none.
 */
export class BufferPool {
  readonly #free: Buffer[] = [];
  #used = false;
  #timer: NodeJS.Timeout | undefined;

  constructor(
    readonly size: number,
    private readonly max: number,
    private readonly idleMs = 5000,
  ) {}

  /** A buffer of `size` bytes (contents undefined); `fresh` says whether it was just allocated. */
  take(): { buf: Buffer; fresh: boolean } {
    this.#used = true;
    const reused = this.#free.pop();
    return reused !== undefined
      ? { buf: reused, fresh: false }
      : { buf: Buffer.allocUnsafeSlow(this.size), fresh: true };
  }

  give(buf: Buffer): void {
    if (this.#free.length < this.max) this.#free.push(buf);
    this.#timer ??= setInterval(() => {
      if (!this.#used) {
        this.#free.length = 0;
        clearInterval(this.#timer);
        this.#timer = undefined;
      }
      this.#used = false;
    }, this.idleMs).unref();
  }
}
