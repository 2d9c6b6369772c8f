/** COPY: copies the file into the directory `path`, keeping its name. */
import { basename, join } from 'node:path';
import { copyTo, taskPath } from './file-ops.js';
import type { TaskRunner } from './types.js';
import { requireArg } from './types.js';

export const copyTask: TaskRunner = async (args, state) => {
  const dir = taskPath(requireArg(args, 'path', 'COPY'), state.dirs.home);
  await copyTo(state.trueFullPath, join(dir, basename(state.trueFullPath)));
  return {};
};
