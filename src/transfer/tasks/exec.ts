/**
 * EXEC: runs `path` with `args`. The argument string is split first (like a shell would:
 * quotes honoured, no shell run), then each argument is substituted on its own, so a value (a
 * partner's file name) is always exactly one argument, whatever it holds. A shell runs only if
 * the rule names one (`/bin/sh -c '…'`); its script then gets every value single-quoted.
 *
 * Exit 0 is success, 1 a warning (the chain continues), anything else a failure. `delay` is a
 * timeout in ms (0 or absent: none): SIGINT to the program's process group, then SIGKILL.
 * The program gets a minimal environment: PATH, HOME, locale and time zone, the substitution
 * values as variables, WAARP_CONFIG_FILE/DIR; nothing else of the daemon's (no
 * WAARP_GATEWAY_* variable, no secret).
 */
import { spawn } from 'node:child_process';
import { basename, dirname } from 'node:path';
import type { TaskEnv, TaskRunner } from './types.js';
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

/** Programs that read a script argument as shell code. */
const shells = new Set(['sh', 'bash', 'dash', 'ash', 'ksh', 'mksh', 'zsh']);

/** `'…'` for a shell, any character allowed (a `'` becomes `'\''`). */
export function shellQuote(value: string): string {
  return `'${value.replaceAll("'", `'\\''`)}'`;
}

/**
 * The program's arguments: split, then substituted one by one. For a shell, the argument after
 * `-c` (or `-ec`, `-xc`…) is a script: its values are quoted.
 */
export function execArguments(program: string, text: string, env: Pick<TaskEnv, 'substitute'>): string[] {
  const template = splitArgs(text);
  const script = shells.has(basename(program))
    ? template.findIndex((a) => /^-[a-z]*c[a-z]*$/.test(a)) + 1
    : 0;
  return template.map((arg, i) =>
    i > 0 && i === script ? env.substitute(arg, shellQuote) : env.substitute(arg),
  );
}

/** Variables of the daemon a program may see: none of its secrets. */
const inheritedVariables = ['PATH', 'HOME', 'USER', 'LOGNAME', 'LANG', 'LC_ALL', 'LC_CTYPE', 'TZ', 'TMPDIR'];

function programEnvironment(values: Readonly<Record<string, string>>, configFile: string): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = { PATH: '/usr/local/bin:/usr/bin:/bin' };
  for (const name of inheritedVariables) {
    const v = process.env[name];
    if (v !== undefined) out[name] = v;
  }
  return { ...out, ...values, WAARP_CONFIG_FILE: configFile, WAARP_CONFIG_DIR: dirname(configFile) };
}

export const execTask: TaskRunner = (args, state, env) => {
  const program = requireArg(args, 'path', 'EXEC');
  let argv: string[];
  try {
    argv = execArguments(program, args.args ?? '', env);
  } catch (err) {
    return Promise.reject(err instanceof Error ? err : new Error(String(err)));
  }
  const delay = Number(args.delay ?? '0');
  if (!Number.isFinite(delay) || delay < 0) {
    return Promise.reject(new TaskFailure(`EXEC: delay "${args.delay}" is not a number of milliseconds`));
  }
  return new Promise((resolve, reject) => {
    const child = spawn(program, argv, {
      env: programEnvironment(env.values, state.configFile),
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
