/** EXEC: runs the program `path` with `args` (src/transfer/tasks/program.ts); its exit code decides. */
import { exitOutcome, runProgram } from './program.js';
import type { TaskRunner } from './types.js';

export const execTask: TaskRunner = async (args, state, env) =>
  exitOutcome(await runProgram('EXEC', args, state, env));
