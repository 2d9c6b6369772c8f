/** MOVERENAME: moves the file to the full path `path`; the transfer follows it. */
import { moveTo, taskPath } from './file-ops.js';
import type { TaskRunner } from './types.js';
import { requireArg } from './types.js';

export const moveRenameTask: TaskRunner = async (args, state) => {
  const to = taskPath(requireArg(args, 'path', 'MOVERENAME'), state.dirs.home);
  await moveTo(state.trueFullPath, to);
  state.trueFullPath = to;
  return {};
};
