/**
 * The mechanics of the small-file figures: folders of many small files, what one node's
 * `/metrics` says it sent to its database, and the fsyncs of a process (and its children)
 * counted with `strace -c` while something runs.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sleep } from './measure.js';

/** `count` files of `size` random bytes in `dir` (f00000, f00001…). */
export function writeSmallFiles(dir: string, count: number, size: number): void {
  mkdirSync(dir, { recursive: true });
  for (let i = 0; i < count; i++)
    writeFileSync(join(dir, `f${String(i).padStart(5, '0')}`), randomBytes(size));
}

/** `waarp_db_statements_total` of one node. */
export async function statementsOf(api: (path: string) => Promise<Response>): Promise<number> {
  const text = await (await api('/metrics')).text();
  const m = /^waarp_db_statements_total\{[^}]*\} (\d+)$/m.exec(text);
  if (m?.[1] === undefined) throw new Error('no waarp_db_statements_total in /metrics');
  return Number(m[1]);
}

export interface SyncCounts {
  fsync: number;
  fdatasync: number;
}

/** Syscalls counted by the strace run below. */
const syncCalls = ['fsync', 'fdatasync'] as const;

/**
 * Runs `fn` with `strace -c -f` attached to `pid` (every thread, and the children it forks
 * meanwhile: OpenSSH's per-session processes), counting fsync and fdatasync. Tracing slows the
 * process down: this is a count, never a timing.
 */
export async function countSyncs(
  pid: number,
  outFile: string,
  fn: () => Promise<unknown>,
): Promise<SyncCounts> {
  const strace = spawn(
    'strace',
    ['-c', '-f', '-e', `trace=${syncCalls.join(',')}`, '-o', outFile, '-p', String(pid)],
    {
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  let err = '';
  strace.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((r) => strace.once('exit', r));
  for (let i = 0; !/attached/.test(err); i++) {
    if (strace.exitCode !== null || i > 100) throw new Error(`strace -p ${pid} failed: ${err}`);
    await sleep(50);
  }
  try {
    await fn();
  } finally {
    strace.kill('SIGINT');
    await exited;
  }
  const counts: SyncCounts = { fsync: 0, fdatasync: 0 };
  for (const line of readFileSync(outFile, 'utf8').split('\n')) {
    // % time, seconds, usecs/call, calls, [errors], syscall
    const f = line.trim().split(/\s+/);
    const name = f.at(-1) as (typeof syncCalls)[number];
    if (syncCalls.includes(name) && f.length >= 5) counts[name] = Number(f[3]);
  }
  return counts;
}
