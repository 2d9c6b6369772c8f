/**
 * TRANSFER (rebound: receive, then forward to a partner). Not implemented by the server yet:
 * it needs the client-transfer engine, which plans the new transfer.
 */
import type { TaskRunner } from './types.js';
import { TaskFailure } from './types.js';

export const transferTask: TaskRunner = () =>
  Promise.reject(new TaskFailure('TRANSFER tasks are not implemented yet', 'TeUnimplemented'));
