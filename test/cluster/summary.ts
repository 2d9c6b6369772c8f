/**
 * The suite's summary table: one row per scenario with its result and key timings, printed at
 * the end of the run (and written to WAARP_CLUSTER_SUMMARY as Markdown when that is set, which is
 * how docs/failover.md gets its numbers).
 */
import { writeFileSync } from 'node:fs';

export interface Row {
  id: number;
  title: string;
  result: 'pass' | 'FAIL';
  seconds: number;
  /** Key timings and counts, in the order recorded. */
  notes: string[];
}

/** What a scenario records while it runs. */
export class Notes {
  readonly items: string[] = [];

  /** A duration in ms, printed in seconds. */
  time(label: string, ms: number): number {
    this.items.push(`${label} ${(ms / 1000).toFixed(1)} s`);
    return ms;
  }

  note(text: string): void {
    this.items.push(text);
  }
}

export class Summary {
  readonly rows: Row[] = [];
  readonly started = Date.now();

  async run(id: number, title: string, fn: (notes: Notes) => Promise<void>): Promise<void> {
    const notes = new Notes();
    const start = Date.now();
    let result: Row['result'] = 'FAIL';
    try {
      await fn(notes);
      result = 'pass';
    } finally {
      this.rows.push({
        id,
        title,
        result,
        seconds: Math.round((Date.now() - start) / 1000),
        notes: notes.items,
      });
    }
  }

  /** Plain text, for the test log. */
  text(): string {
    const rows = [...this.rows].sort((a, b) => a.id - b.id);
    const width = Math.max(10, ...rows.map((r) => `${r.id}. ${r.title}`.length));
    const lines = [
      `${'scenario'.padEnd(width)}  result  time   key timings`,
      `${'-'.repeat(width)}  ------  -----  -----------`,
    ];
    for (const r of rows) {
      lines.push(
        `${`${r.id}. ${r.title}`.padEnd(width)}  ${r.result.padEnd(6)}  ${`${r.seconds} s`.padEnd(5)}  ${r.notes.join('; ')}`,
      );
    }
    lines.push(`total suite time ${Math.round((Date.now() - this.started) / 1000)} s`);
    return lines.join('\n');
  }

  /** Markdown, for docs/failover.md. */
  markdown(): string {
    const rows = [...this.rows].sort((a, b) => a.id - b.id);
    return [
      '| Scenario | Result | Duration | Key timings |',
      '| --- | --- | --- | --- |',
      ...rows.map((r) => `| ${r.id}. ${r.title} | ${r.result} | ${r.seconds} s | ${r.notes.join('; ')} |`),
      '',
      `Total suite time: ${Math.round((Date.now() - this.started) / 1000)} s.`,
      '',
    ].join('\n');
  }

  write(): void {
    const file = process.env.WAARP_CLUSTER_SUMMARY;
    if (file !== undefined && file !== '') writeFileSync(file, this.markdown());
  }
}
