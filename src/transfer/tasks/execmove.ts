/**
 * EXECMOVE: runs the program as EXEC; the program moves the transfer's file and prints its new
 * path, as the last line of its standard output. The transfer follows it (as with MOVE), once
 * checked (followReportedFile). On a warning (exit 1) the output is not read, as the reference:
 * the program reports a path only when it succeeded.
 */
import { followReportedFile } from './file-ops.js';
import { exitOutcome, outputLines, runProgram } from './program.js';
import type { TaskRunner } from './types.js';
import { TaskFailure } from './types.js';

export const execMoveTask: TaskRunner = async (args, state, env) => {
  const run = await runProgram('EXECMOVE', args, state, env);
  const outcome = exitOutcome(run);
  if (outcome.warning !== undefined) return outcome;
  const reported = outputLines(run.stdout).at(-1)?.trim() ?? '';
  if (reported === '') {
    throw new TaskFailure(`EXECMOVE: "${run.program}" printed no path on its standard output`);
  }
  await followReportedFile('EXECMOVE', reported, state);
  return outcome;
};
