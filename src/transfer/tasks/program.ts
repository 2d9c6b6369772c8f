/**
 * Running a rule's program, shared by EXEC, EXECMOVE and EXECOUTPUT. The argument string is
 * split first (like a shell would: quotes honoured, no shell run), then each argument is
 * substituted on its own, so a value (a partner's file name) is always exactly one argument,
 * whatever it holds. A shell runs only if the rule names one (`/bin/sh -c '…'`); its script then
 * gets every value single-quoted.
 *
 * Exit 0 is success, 1 a warning (the chain continues), anything else a failure. `delay` is a
 * timeout in ms (0 or absent: none): SIGINT to the program's process group, then SIGKILL.
 * The program gets a minimal environment: PATH, HOME, locale and time zone, the substitution
 * values as variables, WAARP_CONFIG_FILE/DIR; nothing else of the daemon's (no
 * WAARP_GATEWAY_* variable, no secret). Its output is kept with a bound: a program that prints
 * without end costs no more memory than one that prints a line.
 */
import { spawn } from 'node:child_process';
import { basename, dirname } from 'node:path';
import type { TaskEnv, TaskOutcome, TaskState } from './types.js';
import { requireArg, TaskFailure } from './types.js';

const killGraceMs = 2000;
/** What is kept of the standard output (its end): EXECMOVE's path, EXECOUTPUT's message. */
const stdoutLimit = 64 * 1024;
/** What is kept of both outputs together (their end), for the message of a failure. */
const outputLimit = 4096;

/** Splits an argument string: whitespace separates, single and double quotes group, `\` escapes. */
export function splitArgs(text: string, task = 'EXEC'): string[] {
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
  if (quote !== undefined) throw new TaskFailure(`${task}: unbalanced ${quote} in arguments`);
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
export function execArguments(
  program: string,
  text: string,
  env: Pick<TaskEnv, 'substitute'>,
  task = 'EXEC',
): string[] {
  const template = splitArgs(text, task);
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

/** The last `limit` bytes of a stream: older chunks are dropped as new ones come. */
class OutputTail {
  readonly #limit: number;
  readonly #chunks: Buffer[] = [];
  #size = 0;

  constructor(limit: number) {
    this.#limit = limit;
  }

  push(chunk: Buffer): void {
    this.#chunks.push(chunk);
    this.#size += chunk.length;
    while (this.#chunks.length > 1 && this.#size - (this.#chunks[0]?.length ?? 0) >= this.#limit) {
      this.#size -= this.#chunks.shift()?.length ?? 0;
    }
  }

  text(): string {
    return Buffer.concat(this.#chunks).subarray(-this.#limit).toString('utf8');
  }
}

/** How a program ended, and the end of what it printed. */
export interface ProgramExit {
  readonly task: string;
  readonly program: string;
  readonly delay: number;
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly timedOut: boolean;
  /** The end of its standard output (at most `stdoutLimit` bytes). */
  readonly stdout: string;
  /** The end of its standard output and error together. */
  readonly output: string;
}

/**
 * Runs the task's program (`path`, `args`, `delay`) to its end. Rejects (TaskFailure) only when
 * it cannot run; how it ended is for the caller to judge (exitOutcome).
 */
export function runProgram(
  task: string,
  args: Readonly<Record<string, string>>,
  state: TaskState,
  env: TaskEnv,
): Promise<ProgramExit> {
  let program: string;
  let argv: string[];
  try {
    program = requireArg(args, 'path', task);
    argv = execArguments(program, args.args ?? '', env, task);
  } catch (err) {
    return Promise.reject(err instanceof Error ? err : new Error(String(err)));
  }
  const delay = Number(args.delay ?? '0');
  if (!Number.isFinite(delay) || delay < 0) {
    return Promise.reject(new TaskFailure(`${task}: delay "${args.delay}" is not a number of milliseconds`));
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
    const stdout = new OutputTail(stdoutLimit);
    // Keep the tail: the last lines say why a program failed.
    const output = new OutputTail(outputLimit);
    child.stdout.on('data', (chunk: Buffer) => {
      stdout.push(chunk);
      output.push(chunk);
    });
    child.stderr.on('data', (chunk: Buffer) => output.push(chunk));
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
        new TaskFailure(`${task}: cannot run "${program}": ${err.message}`, 'TeExternalOperation', {
          cause: err,
        }),
      );
    });
    child.on('close', (code, sig) => {
      done();
      resolve({
        task,
        program,
        delay,
        code,
        signal: sig,
        timedOut,
        stdout: stdout.text(),
        output: output.text(),
      });
    });
  });
}

/**
 * The reference's reading of an exit: 0 success, 1 a warning, anything else (a timeout, a
 * signal) a failure, thrown. `detail` ends the message; by default the last lines the program
 * printed on either output.
 */
export function exitOutcome(run: ProgramExit, detail?: string): TaskOutcome {
  const text = detail ?? run.output.trim().split('\n').slice(-3).join(' | ');
  const end = text === '' ? '' : `: ${text}`;
  const { task, program, code } = run;
  if (run.timedOut) throw new TaskFailure(`${task}: "${program}" timed out after ${run.delay} ms${end}`);
  if (code === 0) return {};
  if (code === 1) return { warning: `${task}: "${program}" exited with 1 (warning)${end}` };
  if (code === null)
    throw new TaskFailure(`${task}: "${program}" killed by ${run.signal ?? 'a signal'}${end}`);
  throw new TaskFailure(`${task}: "${program}" exited with ${code}${end}`);
}

/** The lines a program printed, without empty ones at the end (`\r\n` read as `\n`). */
export function outputLines(text: string): string[] {
  const lines = text.replaceAll('\r\n', '\n').split('\n');
  while (lines.length > 0 && (lines.at(-1) ?? '').trim() === '') lines.pop();
  return lines;
}
