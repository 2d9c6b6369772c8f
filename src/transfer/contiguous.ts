/**
 * The contiguous high-water mark of a file being written at arbitrary offsets: bytes
 * [0, mark) are all written. Clients pipeline writes and may complete them out of order; a
 * resume must never trust bytes behind a hole, so progress is this mark, never a byte count.
 */
export class ContiguousRange {
  #mark: number;
  /** Written intervals beyond the mark, sorted by start, not overlapping the mark. */
  #pending: [number, number][] = [];
  #maxEnd: number;

  constructor(start = 0) {
    this.#mark = start;
    this.#maxEnd = start;
  }

  get mark(): number {
    return this.#mark;
  }

  /** End of the furthest byte written (the file's size if nothing truncates it). */
  get maxEnd(): number {
    return this.#maxEnd;
  }

  /** True while some bytes beyond the mark are written but a hole precedes them. */
  get hasGaps(): boolean {
    return this.#pending.length > 0;
  }

  /** The intervals beyond the mark (not reached by it yet), in order. */
  pending(): [number, number][] {
    return this.#pending.map(([a, b]) => [a, b]);
  }

  /** Adds everything `other` covers. */
  addAll(other: ContiguousRange): void {
    this.add(0, other.mark);
    for (const [a, b] of other.pending()) this.add(a, b);
  }

  /** Records that bytes [start, end) are written. */
  add(start: number, end: number): void {
    if (end <= start) return;
    if (end > this.#maxEnd) this.#maxEnd = end;
    if (start > this.#mark) {
      this.#insert(start, end);
      return;
    }
    if (end > this.#mark) this.#mark = end;
    // Pending intervals now reached by the mark extend it.
    while (this.#pending.length > 0) {
      const first = this.#pending[0];
      if (first === undefined || first[0] > this.#mark) break;
      if (first[1] > this.#mark) this.#mark = first[1];
      this.#pending.shift();
    }
  }

  #insert(start: number, end: number): void {
    const list = this.#pending;
    let i = 0;
    while (i < list.length && (list[i]?.[1] ?? 0) < start) i++;
    // Merge every interval overlapping or touching [start, end).
    let s = start;
    let e = end;
    let j = i;
    while (j < list.length && (list[j]?.[0] ?? Infinity) <= e) {
      const cur = list[j];
      if (cur !== undefined) {
        s = Math.min(s, cur[0]);
        e = Math.max(e, cur[1]);
      }
      j++;
    }
    list.splice(i, j - i, [s, e]);
  }
}
