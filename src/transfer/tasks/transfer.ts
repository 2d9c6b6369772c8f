/**
 * TRANSFER, the reference's "rebound": plans a new client transfer of the file this transfer
 * just handled (typically: received by SFTP, forwarded to a partner). The new transfer is a
 * PLANNED row in the database, so any node of the cluster may run it, and it survives the
 * node that planned it.
 *
 * Args (reference): `file` (default: this transfer's file), `output`, `to` (push to a partner)
 * or `from` (pull from it), `as` (remote account), `rule`, `using` (client; default: the only
 * one of the partner's protocol), `info` (JSON object), `copyInfo` ("true": carry this
 * transfer's info over), `nbOfAttempts`, `firstRetryDelay`, `retryIncrementFactor`.
 */
import { isAbsolute, relative } from 'node:path';
import type { GatewayContext } from '../../gateway/context.js';
import { PlanningError, planTransfer, resolveParties, selectClient } from '../planner.js';
import type { TaskRunner } from './types.js';
import { requireArg, TaskFailure } from './types.js';

function optionalNumber(args: Readonly<Record<string, string>>, name: string): number | undefined {
  const v = args[name];
  if (v === undefined || v === '') return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0)
    throw new TaskFailure(`TRANSFER: "${name}" must be a non-negative number, not "${v}"`);
  return n;
}

function parseInfo(text: string | undefined): Record<string, unknown> {
  if (text === undefined || text === '') return {};
  try {
    const v = JSON.parse(text) as unknown;
    if (typeof v === 'object' && v !== null && !Array.isArray(v)) return v as Record<string, unknown>;
  } catch {
    // reported below
  }
  throw new TaskFailure(`TRANSFER: "info" must be a JSON object, not ${text}`);
}

export function createTransferTask(ctx: GatewayContext): TaskRunner {
  return async (args, state, env) => {
    const to = args.to ?? '';
    const from = args.from ?? '';
    if ((to === '') === (from === '')) throw new TaskFailure('TRANSFER: give exactly one of "to" or "from"');
    const isSend = to !== '';
    const ruleName = requireArg(args, 'rule', 'TRANSFER');
    const login = requireArg(args, 'as', 'TRANSFER');
    // A pushed file is named relative to the send rule's folder; the default is this transfer's
    // file, given by its path relative to the default out folder when it lies there.
    const file = args.file ?? defaultFileName(ctx, state.trueFullPath);
    try {
      const parties = await resolveParties(ctx, {
        rule: ruleName,
        isSend,
        partner: isSend ? to : from,
        account: login,
      });
      const client = await selectClient(ctx, parties.partner.protocol, args.using);
      const info = {
        ...(args.copyInfo === 'true' ? state.info : {}),
        ...parseInfo(args.info),
        __followID__: state.transferId,
      };
      const planned = await planTransfer(ctx, {
        ...parties,
        client,
        file,
        output: args.output,
        start: env.now(),
        info,
        nbOfAttempts: optionalNumber(args, 'nbOfAttempts'),
        firstRetryDelay: optionalNumber(args, 'firstRetryDelay'),
        retryIncrementFactor: optionalNumber(args, 'retryIncrementFactor'),
      });
      env.log.info(
        { planned: planned.id, partner: parties.partner.name, rule: ruleName },
        'TRANSFER: new transfer planned',
      );
      return {};
    } catch (err) {
      if (err instanceof PlanningError) throw new TaskFailure(`TRANSFER: ${err.message}`);
      throw err;
    }
  };
}

function defaultFileName(ctx: GatewayContext, path: string): string {
  const out = ctx.config.paths.defaultOutDir;
  const rel = relative(out, path);
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel) ? rel : path;
}
