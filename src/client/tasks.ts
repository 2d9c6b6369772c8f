/**
 * Runs a rule's task chain for a client transfer with the shared task runner
 * (src/transfer/tasks), from the saved task number so a resumed transfer never repeats a task.
 */
import type { GatewayContext } from '../gateway/context.js';
import type { Client, Partner, RemoteAccount, Rule, TaskChain, Transfer } from '../model/entities.js';
import { taskTypesFor } from '../transfer/tasks/index.js';
import { runTaskChain } from '../transfer/tasks/runner.js';
import type { TaskState } from '../transfer/tasks/types.js';
import type { ClientPaths } from '../transfer/client-paths.js';

export interface Parties {
  rule: Rule;
  partner: Partner;
  account: RemoteAccount;
  client: Client | undefined;
}

/** The task view of a client transfer. `file` is where its local file is at this step. */
export function clientTaskState(
  ctx: GatewayContext,
  p: Parties,
  t: Transfer,
  paths: ClientPaths,
  file: string,
): TaskState {
  const { config } = ctx;
  return {
    transferId: t.id,
    remoteTransferId: t.remoteTransferId,
    ruleName: p.rule.name,
    isSend: p.rule.isSend,
    isServer: false,
    trueFullPath: file,
    originalFullPath: p.rule.isSend ? paths.local : paths.remote,
    fileSize: t.filesize,
    remoteHost: p.partner.address.replace(/:\d+$/, '').replace(/^\[|\]$/g, ''),
    localHost: p.client?.name ?? '',
    requester: p.account.login,
    requested: p.partner.name,
    info: { ...t.info },
    errorCode: t.errorCode,
    errorMsg: t.errorDetails,
    dirs: {
      home: config.paths.gatewayHome,
      in: config.paths.defaultInDir,
      out: config.paths.defaultOutDir,
      tmp: config.paths.defaultTmpDir,
    },
    configFile: config.configFile,
  };
}

/**
 * Runs `chain` from `from`; after each task, `onTaskDone(next, state)` persists the next index
 * and what the task changed (file path, info).
 */
export async function runClientTasks(
  ctx: GatewayContext,
  chain: TaskChain,
  tasks: Rule['preTasks'],
  state: TaskState,
  from: number,
  onTaskDone: (next: number, state: TaskState) => Promise<void>,
): Promise<void> {
  if (tasks.length <= from) return;
  await runTaskChain(chain, tasks, state, from, {
    types: taskTypesFor(ctx),
    log: ctx.log.child({ transfer: state.transferId }),
    now: () => ctx.now(),
    checkpoint: onTaskDone,
  });
}
