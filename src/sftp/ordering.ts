/**
 * The order of a session's requests on names. Clients pipeline: sshfs sends an OPEN (create)
 * and a STAT of the same path back to back, and expects the STAT to see the file, as OpenSSH's
 * server (which answers one request at a time) does. Here requests run concurrently, so a
 * request that looks at the tree waits for the changes asked before it, and a change waits for
 * every request asked before it. Requests on open handles (READ, WRITE) are not ordered.
 */
const noop = (): void => undefined;

export class RequestOrder {
  #lastChange: Promise<void> = Promise.resolve();
  readonly #looks = new Set<Promise<void>>();

  /** A request that only reads the tree (STAT, OPENDIR, an OPEN for reading...). */
  look<T>(fn: () => Promise<T>): Promise<T> {
    const p = this.#lastChange.then(fn);
    const settled = p.then(noop, noop);
    this.#looks.add(settled);
    void settled.then(() => this.#looks.delete(settled));
    return p;
  }

  /** A request that changes the tree (an OPEN for writing, REMOVE, RENAME, MKDIR, SETSTAT...). */
  change<T>(fn: () => Promise<T>): Promise<T> {
    const before =
      this.#looks.size === 0 ? this.#lastChange : Promise.all([this.#lastChange, ...this.#looks]);
    const p = before.then(fn);
    this.#lastChange = p.then(noop, noop);
    return p;
  }
}
