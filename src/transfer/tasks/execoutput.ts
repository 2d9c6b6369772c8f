/**
 * EXECOUTPUT: runs the program as EXEC; what it prints on its standard output is the message of
 * its failure (or warning). A last line `NEWFILENAME:<path>` says where it left the transfer's
 * file: the transfer follows it (checked as EXECMOVE's), on success and, as the reference, on
 * failure too, so the error chain and the record see the file where it is.
 */
import { followReportedFile } from './file-ops.js';
import { exitOutcome, outputLines, runProgram } from './program.js';
import type { TaskOutcome, TaskRunner } from './types.js';
import { TaskFailure } from './types.js';

/** Longest message kept of the output (its end: the last lines say why). */
const messageLimit = 4096;
const newFileName = 'NEWFILENAME:';

/** The message and the new file's path a program printed. */
function readExecOutput(stdout: string): { message: string; newFile?: string } {
  const lines = outputLines(stdout);
  const last = lines.at(-1)?.trim() ?? '';
  const newFile = last.startsWith(newFileName) ? last.slice(newFileName.length).trim() : undefined;
  if (newFile !== undefined) lines.pop();
  const text = lines.join('\n').trim();
  const message = text.length > messageLimit ? `…${text.slice(-messageLimit)}` : text;
  return newFile === undefined || newFile === '' ? { message } : { message, newFile };
}

export const execOutputTask: TaskRunner = async (args, state, env) => {
  const run = await runProgram('EXECOUTPUT', args, state, env);
  const { message, newFile } = readExecOutput(run.stdout);
  let outcome: TaskOutcome;
  try {
    // A program that printed nothing on its standard output: what it wrote on its error output.
    outcome = exitOutcome(run, message === '' ? undefined : message);
  } catch (failure) {
    if (newFile === undefined || !(failure instanceof TaskFailure)) throw failure;
    const refused = await followReportedFile('EXECOUTPUT', newFile, state).then(
      () => undefined,
      (err: unknown) => (err instanceof Error ? err.message : String(err)),
    );
    if (refused === undefined) throw failure;
    throw new TaskFailure(`${failure.message} (and ${refused})`, failure.code, { cause: failure });
  }
  if (newFile !== undefined) await followReportedFile('EXECOUTPUT', newFile, state);
  return outcome;
};
