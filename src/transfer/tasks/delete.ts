/** DELETE: deletes the transfer's file. */
import { unlink } from 'node:fs/promises';
import type { TaskRunner } from './types.js';

export const deleteTask: TaskRunner = async (_args, state) => {
  await unlink(state.trueFullPath);
  return {};
};
