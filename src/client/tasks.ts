/**
 * Runs a rule's task chain for a client transfer. The task implementations are shared with
 * the protocol servers (src/transfer/tasks); this adapter gives them the client's paths.
 */
import type { GatewayContext } from '../gateway/context.js';
import type { Rule, TaskChain, Transfer } from '../model/entities.js';
import { TransferError } from '../model/transfer-state.js';
import type { ClientPaths } from './paths.js';

export async function runClientTasks(
  _ctx: GatewayContext,
  chain: TaskChain,
  rule: Rule,
  t: Transfer,
  _paths: ClientPaths,
  onTaskDone: (next: number) => Promise<void>,
): Promise<void> {
  const tasks = chain === 'PRE' ? rule.preTasks : chain === 'POST' ? rule.postTasks : rule.errorTasks;
  for (let i = t.taskNumber; i < tasks.length; i++) {
    if (i < 0) await onTaskDone(i);
    throw new TransferError(
      'TeUnimplemented',
      `task ${tasks[i]?.type ?? '?'} is not wired for client transfers yet`,
    );
  }
}
