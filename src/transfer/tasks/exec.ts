/**
 * EXEC: runs `path` with `args` (split like a shell would, quotes honoured, no shell run).
 * Exit 0 is success, 1 a warning (the chain continues), anything else a failure. `delay` is a
 * timeout in ms (0 or absent: none): SIGINT to the program's process group, then SIGKILL.
 * The substitution values are exported as environment variables, plus WAARP_CONFIG_FILE/DIR.
 */
import { spawn } from 'node:child_process';
import { dirname } from 'node:path';
import type { TaskRunner } from './types.js';
import { requireArg, TaskFailure } from './types.js';

const killGraceMs = 2000;
const outputLimit = 4096;

/** Splits an argument string: whitespace separates, single and double quotes group, `\` escapes. */
export function splitArgs(text: string): string[] {
  const out: string[] = [];
  let cur = '';
  let has = false;
  let quote: '"' | "'" | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text[i] ?? '';
    if (quote !== undefined) {
      if (c === quote) quote = undefined;
      else if (c === '\\' && quote === '"' && i + 1 < text.length) cur += text[++i] ?? '';
      else cur += c;
    } else if (c === '"' || c === "'") {
      quote = c;
      has = true;
    } else if (c === '\\' && i + 1 < text.length) {
      cur += text[++i] ?? '';
      has = true;
    } else if (/\s/.test(c)) {
      if (has) out.push(cur);
      cur = '';
      has = false;
    } else {
      cur += c;
      has = true;
    }
  }
  if (quote !== undefined) throw new TaskFailure(`EXEC: unbalanced ${quote} in arguments`);
  if (has) out.push(cur);
  return out;
}

export const execTask: TaskRunner = (args, state, env) => {
  const program = requireArg(args, 'path', 'EXEC');
  const argv = splitArgs(args.args ?? '');
  const delay = Number(args.delay ?? '0');
  if (!Number.isFinite(delay) || delay < 0) {
    return Promise.reject(new TaskFailure(`EXEC: delay "${args.delay}" is not a number of milliseconds`));
  }
  return new Promise((resolve, reject) => {
    const child = spawn(program, argv, {
      env: {
        ...process.env,
        ...env.values,
        WAARP_CONFIG_FILE: state.configFile,
        WAARP_CONFIG_DIR: dirname(state.configFile),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
      // Its own process group: a timeout stops the program and whatever it started.
      detached: true,
    });
    const signal = (sig: NodeJS.Signals): void => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, sig);
      } catch {
        // Already gone.
      }
    };
    let output = '';
    const collect = (chunk: Buffer): void => {
      // Keep the tail: the last lines say why a program failed.
      output = (output + chunk.toString('utf8')).slice(-outputLimit);
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    let timedOut = false;
    let killer: NodeJS.Timeout | undefined;
    const timer =
      delay > 0
        ? setTimeout(() => {
            timedOut = true;
            signal('SIGINT');
            killer = setTimeout(() => signal('SIGKILL'), killGraceMs);
          }, delay)
        : undefined;
    const done = (): void => {
      clearTimeout(timer);
      clearTimeout(killer);
    };
    child.on('error', (err) => {
      done();
      reject(
        new TaskFailure(`EXEC: cannot run "${program}": ${err.message}`, 'TeExternalOperation', {
          cause: err,
        }),
      );
    });
    child.on('close', (code, signal) => {
      done();
      const tail = output.trim().split('\n').slice(-3).join(' | ');
      const detail = tail === '' ? '' : `: ${tail}`;
      if (timedOut) reject(new TaskFailure(`EXEC: "${program}" timed out after ${delay} ms${detail}`));
      else if (code === 0) resolve({});
      else if (code === 1) resolve({ warning: `EXEC: "${program}" exited with 1 (warning)${detail}` });
      else if (code === null)
        reject(new TaskFailure(`EXEC: "${program}" killed by ${signal ?? 'a signal'}${detail}`));
      else reject(new TaskFailure(`EXEC: "${program}" exited with ${code}${detail}`));
    });
  });
};
