/**
 * RENAME: points the transfer at another file (`path`), touching nothing on disk; the new
 * file must exist (the next tasks and the transfer work on it).
 */
import { stat } from 'node:fs/promises';
import { taskPath } from './file-ops.js';
import type { TaskRunner } from './types.js';
import { requireArg, TaskFailure } from './types.js';

export const renameTask: TaskRunner = async (args, state) => {
  const to = taskPath(requireArg(args, 'path', 'RENAME'), state.dirs.home);
  try {
    const st = await stat(to);
    state.fileSize = st.size;
  } catch (err) {
    throw new TaskFailure(`RENAME: "${to}" does not exist`, 'TeExternalOperation', { cause: err });
  }
  state.trueFullPath = to;
  return {};
};
