/**
 * The run's summary: one table per target side by side (operation × client, `ok`/`FAIL`/`n/a`),
 * the message each client showed for each error, the failures, the clients' versions and the
 * features some clients lack. Printed at the end of the tier.
 */
import type { TargetName } from './targets.js';

type Result = { kind: 'ok' } | { kind: 'FAIL'; reason: string } | { kind: 'n/a'; reason: string };

export class Matrix {
  private readonly cells = new Map<string, Result>();
  private readonly shown = new Map<string, string>();
  readonly versions = new Map<string, string>();
  private readonly started = Date.now();

  /** Rows and columns in the order given. */
  constructor(
    private readonly targets: readonly TargetName[],
    private readonly clients: readonly string[],
    private readonly operations: readonly string[],
  ) {}

  set(client: string, operation: string, target: TargetName, result: Result): void {
    this.cells.set(key(client, operation, target), result);
  }

  /** An operation the client has no way to do: the same on every target. */
  notApplicable(client: string, operation: string, reason: string): void {
    for (const t of this.targets) this.set(client, operation, t, { kind: 'n/a', reason });
  }

  /** The first line of what the client printed for an error (for the summary). */
  showed(client: string, error: string, target: TargetName, output: string): void {
    const line = output
      .split('\n')
      .map((l) => l.trim())
      .find((l) => l !== '' && !/^(Using username|Remote working directory|sftp>)/.test(l));
    this.shown.set(key(client, error, target), (line ?? '(nothing)').slice(0, 90));
  }

  text(): string {
    const col = Math.max(...this.clients.map((c) => c.length), this.targets.length * 5);
    const opWidth = Math.max(...this.operations.map((o) => o.length), 9);
    const cell = (c: string, o: string): string =>
      this.targets
        .map((t) => {
          const r = this.cells.get(key(c, o, t));
          return r === undefined ? '-' : r.kind;
        })
        .join('/');
    const lines = [
      `interop matrix: each cell is ${this.targets.join('/')}; ok, FAIL, n/a (the client has no such feature), - (not run)`,
      `${'operation'.padEnd(opWidth)}  ${this.clients.map((c) => c.padEnd(col)).join(' ')}`,
    ];
    for (const o of this.operations) {
      lines.push(`${o.padEnd(opWidth)}  ${this.clients.map((c) => cell(c, o).padEnd(col)).join(' ')}`);
    }
    const failures = [...this.cells].filter(([, r]) => r.kind === 'FAIL');
    lines.push('', `failures (${failures.length}):`);
    for (const [k, r] of failures) lines.push(`  ${k}: ${r.kind === 'FAIL' ? r.reason : ''}`);
    lines.push('', 'what each client shows (gateway | openssh):');
    const errors = [...new Set([...this.shown.keys()].map((k) => k.split(' | ')[1]!))];
    for (const c of this.clients) {
      for (const e of errors) {
        const seen = this.targets.map((t) => this.shown.get(key(c, e, t)) ?? '-');
        if (seen.every((s) => s === '-')) continue;
        lines.push(`  ${c} ${e}: ${seen.join(' | ')}`);
      }
    }
    const lacking = new Map<string, string>();
    for (const [k, r] of this.cells) if (r.kind === 'n/a') lacking.set(k.replace(/ \| [^|]+$/, ''), r.reason);
    lines.push('', 'n/a:');
    for (const [k, reason] of lacking) lines.push(`  ${k}: ${reason}`);
    lines.push('', `clients: ${[...this.versions.values()].join(', ')}`);
    lines.push(`interop tier: ${Math.round((Date.now() - this.started) / 1000)} s`);
    return lines.join('\n');
  }
}

function key(client: string, operation: string, target: TargetName): string {
  return `${client} | ${operation} | ${target}`;
}
