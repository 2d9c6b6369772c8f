/** The task types the gateway runs, by the name rules use (TRANSFER: see taskTypesFor). */
import { copyTask } from './copy.js';
import { copyRenameTask } from './copyrename.js';
import { deleteTask } from './delete.js';
import { execTask } from './exec.js';
import { execMoveTask } from './execmove.js';
import { execOutputTask } from './execoutput.js';
import { moveTask } from './move.js';
import { moveRenameTask } from './moverename.js';
import { renameTask } from './rename.js';
import type { GatewayContext } from '../../gateway/context.js';
import { createTransferTask } from './transfer.js';
import type { TaskRunner } from './types.js';

export const taskTypes: Readonly<Record<string, TaskRunner>> = {
  COPY: copyTask,
  COPYRENAME: copyRenameTask,
  MOVE: moveTask,
  MOVERENAME: moveRenameTask,
  RENAME: renameTask,
  DELETE: deleteTask,
  EXEC: execTask,
  EXECMOVE: execMoveTask,
  EXECOUTPUT: execOutputTask,
};

/**
 * Arguments a task type substitutes itself rather than receiving substituted: the EXEC tasks
 * split their argument string first, so that a value (a partner's file name) is always one
 * argument.
 */
export const verbatimArgs: Readonly<Record<string, readonly string[]>> = {
  EXEC: ['args'],
  EXECMOVE: ['args'],
  EXECOUTPUT: ['args'],
};

/** Every task type, including those that need the gateway itself (TRANSFER plans a transfer). */
export function taskTypesFor(ctx: GatewayContext): Readonly<Record<string, TaskRunner>> {
  return { ...taskTypes, TRANSFER: createTransferTask(ctx) };
}
