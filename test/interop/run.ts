/**
 * Runs a client program as a user would, in its own process group (so a kill also ends the
 * `ssh` it started), with a time limit. Secrets go in `env` or `stdin`, never in `args`.
 */
import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';

export interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** stdout then stderr: what the user saw. */
  output: string;
  timedOut: boolean;
}

export interface RunOptions {
  env?: Record<string, string>;
  stdin?: string;
  cwd?: string;
  /** Default 120 s; past it the process group is killed and the run fails. */
  timeoutMs?: number;
}

export interface Started {
  readonly child: ChildProcess;
  readonly done: Promise<Run>;
  /** SIGKILL to the whole process group; resolves once the process has exited. */
  kill(): Promise<Run>;
}

export function start(command: string, args: readonly string[], o: RunOptions = {}): Started {
  const child = spawn(command, args, {
    cwd: o.cwd,
    env: { ...process.env, ...o.env },
    stdio: ['pipe', 'pipe', 'pipe'],
    detached: true,
  });
  let stdout = '';
  let stderr = '';
  let timedOut = false;
  child.stdout?.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (stderr += c.toString()));
  child.stdin?.on('error', () => undefined); // a client that exits before reading its stdin
  child.stdin?.end(o.stdin ?? '');
  const killGroup = (): void => {
    try {
      if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  };
  const timer = setTimeout(() => {
    timedOut = true;
    killGroup();
  }, o.timeoutMs ?? 120_000);
  const done = new Promise<Run>((resolve, reject) => {
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(new Error(`cannot run ${command}: ${err.message}`));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, output: `${stdout}${stderr}`, timedOut });
    });
  });
  return {
    child,
    done,
    kill: () => {
      killGroup();
      return done;
    },
  };
}

export function run(command: string, args: readonly string[], o: RunOptions = {}): Promise<Run> {
  return start(command, args, o).done;
}

/** True when the client reported success (exit 0, no timeout). */
export function succeeded(r: Run): boolean {
  return r.code === 0 && !r.timedOut;
}

/** A short account of a run, for assertion messages. */
export function describeRun(r: Run): string {
  const how = r.timedOut ? 'timed out' : r.signal !== null ? `killed by ${r.signal}` : `exit ${r.code}`;
  const text = r.output.trim();
  return `${how}${text === '' ? '' : `: ${text.length > 1500 ? `${text.slice(0, 1500)}…` : text}`}`;
}
