/**
 * The runner of every task type a rule may name (src/model/task-types.ts lists them; the record
 * type makes a type without a runner a compile error). TRANSFER needs the gateway: taskTypesFor.
 */
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
import type { TaskType } from '../../model/task-types.js';
import { createTransferTask } from './transfer.js';
import type { TaskRunner } from './types.js';

export const taskTypes: Readonly<Record<Exclude<TaskType, 'TRANSFER'>, TaskRunner>> = {
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
export function taskTypesFor(ctx: GatewayContext): Readonly<Record<TaskType, TaskRunner>> {
  return { ...taskTypes, TRANSFER: createTransferTask(ctx) };
}
