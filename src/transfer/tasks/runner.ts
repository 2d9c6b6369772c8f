/**
 * Runs a rule's task chain (PRE, POST or ERROR) for one transfer, from a given index, as the
 * reference's task runner: in rank order, substitutions applied to each argument, a warning
 * continues the chain (TeWarning), a failure stops it (TeExternalOperation unless the task
 * says otherwise). After each task the caller's checkpoint records the next index, so a resumed
 * transfer never runs a finished task again. No protocol knowledge here.
 */
import type { Logger } from '../../log.js';
import type { TaskChain, TaskSpec } from '../../model/entities.js';
import type { TransferErrorCode } from '../../model/transfer-state.js';
import { TransferError } from '../../model/transfer-state.js';
import { taskTypes, verbatimArgs } from './index.js';
import { substitute, substituteArgs, substitutionValues } from './substitutions.js';
import type { TaskRunner, TaskState } from './types.js';
import { TaskFailure } from './types.js';

export interface ChainHooks {
  /** After task `next - 1` succeeded: persist `task_number = next` and what tasks changed. */
  checkpoint(next: number, state: TaskState): Promise<void>;
  readonly log: Logger;
  now(): number;
  /** Task implementations by type (default: every built-in type). */
  readonly types?: Readonly<Record<string, TaskRunner>>;
}

export interface ChainResult {
  /** Warnings of tasks that exited with a warning, in order. */
  readonly warnings: string[];
}

/** A task of the chain failed: the transfer fails with `code`. */
export class TaskChainError extends TransferError {
  constructor(
    code: TransferErrorCode,
    message: string,
    readonly chain: TaskChain,
    readonly index: number,
    options?: { cause?: unknown },
  ) {
    super(code, message, options);
    this.name = 'TaskChainError';
  }
}

export async function runTaskChain(
  chain: TaskChain,
  tasks: readonly TaskSpec[],
  state: TaskState,
  fromIndex: number,
  hooks: ChainHooks,
): Promise<ChainResult> {
  const types = hooks.types ?? taskTypes;
  const warnings: string[] = [];
  for (let i = Math.max(0, fromIndex); i < tasks.length; i++) {
    const task = tasks[i];
    if (task === undefined) continue;
    const label = `${chain} task #${i} (${task.type})`;
    const run = (types as Readonly<Partial<Record<string, TaskRunner>>>)[task.type.toUpperCase()];
    if (run === undefined) {
      throw new TaskChainError('TeExternalOperation', `${label}: unknown task type`, chain, i);
    }
    const now = new Date(hooks.now());
    const values = substitutionValues(state, now);
    const args = substituteArgs(task.args, values, now, verbatimArgs[task.type.toUpperCase()]);
    const started = Date.now();
    try {
      const outcome = await run(args, state, {
        log: hooks.log,
        values,
        substitute: (text, wrap) => substitute(text, values, now, wrap),
        now: () => hooks.now(),
      });
      if (outcome.warning !== undefined) {
        warnings.push(outcome.warning);
        state.errorCode = 'TeWarning';
        state.errorMsg = outcome.warning;
        hooks.log.warn({ chain, index: i, task: task.type }, outcome.warning);
      } else {
        hooks.log.debug({ chain, index: i, task: task.type, ms: Date.now() - started }, 'task done');
      }
    } catch (err) {
      const code = err instanceof TaskFailure ? err.code : 'TeExternalOperation';
      const reason = err instanceof Error ? err.message : String(err);
      throw new TaskChainError(code, `${label} failed: ${reason}`, chain, i, { cause: err });
    }
    await hooks.checkpoint(i + 1, state);
  }
  return { warnings };
}
