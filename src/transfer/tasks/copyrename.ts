/** COPYRENAME: copies the file to the full path `path`. */
import { copyTo, taskPath } from './file-ops.js';
import type { TaskRunner } from './types.js';
import { requireArg } from './types.js';

export const copyRenameTask: TaskRunner = async (args, state) => {
  await copyTo(state.trueFullPath, taskPath(requireArg(args, 'path', 'COPYRENAME'), state.dirs.home));
  return {};
};
