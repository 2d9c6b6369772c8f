/** Small measuring helpers: medians, load average, RSS of a process, a peak-RSS sampler. */
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';

export const MB = 1e6;
export const MiB = 1 << 20;

export function median(xs: readonly number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[mid] ?? NaN) : ((s[mid - 1] ?? NaN) + (s[mid] ?? NaN)) / 2;
}

/** `1.93 2.10 2.40` (1, 5 and 15 minutes). */
export function load(): string {
  return loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
}

/** Resident set size of `pid` in bytes (VmRSS), or NaN when the process is gone. */
export function rssOf(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const m = /^VmRSS:\s+(\d+) kB/m.exec(status);
    return m?.[1] === undefined ? NaN : Number(m[1]) * 1024;
  } catch {
    return NaN;
  }
}

/** CPU time (user + system) of `pid` in seconds, from /proc/<pid>/stat. */
export function cpuOf(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime and stime are fields 14 and 15 of stat: 12 and 13 after the command.
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return NaN;
  }
}

/** CPU time of the waited-for children of `pid` (cutime + cstime), in seconds. */
export function childrenCpuOf(pid: number | 'self'): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // cutime and cstime are fields 16 and 17 of stat: 14 and 15 after the command.
    return (Number(fields[13]) + Number(fields[14])) / 100;
  } catch {
    return NaN;
  }
}

/** Samples the RSS of some processes every `everyMs` and keeps each one's peak. */
export class RssSampler {
  readonly #peaks = new Map<number, number>();
  readonly #timer: NodeJS.Timeout;

  constructor(
    private readonly pids: readonly number[],
    everyMs = 100,
  ) {
    this.#sample();
    this.#timer = setInterval(() => this.#sample(), everyMs);
  }

  #sample(): void {
    for (const pid of this.pids) {
      const r = rssOf(pid);
      if (r > (this.#peaks.get(pid) ?? 0)) this.#peaks.set(pid, r);
    }
  }

  /** Stops sampling; the peak of each pid. */
  stop(): Map<number, number> {
    clearInterval(this.#timer);
    this.#sample();
    return this.#peaks;
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export function mb(bytes: number): string {
  return `${(bytes / MB).toFixed(0)} MB`;
}
