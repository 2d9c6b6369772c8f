/** MOVE: moves the file into the directory `path`, keeping its name; the transfer follows it. */
import { basename, join } from 'node:path';
import { moveTo, taskPath } from './file-ops.js';
import type { TaskRunner } from './types.js';
import { requireArg } from './types.js';

export const moveTask: TaskRunner = async (args, state) => {
  const dir = taskPath(requireArg(args, 'path', 'MOVE'), state.dirs.home);
  const to = join(dir, basename(state.trueFullPath));
  await moveTo(state.trueFullPath, to);
  state.trueFullPath = to;
  return {};
};
