/**
 * `GET /api/audit`: what partners changed in their folders (remove, rename, mkdir, rmdir,
 * setstat), done or refused, newest first unless `sort` says otherwise. Filters repeat.
 */
import type { AuditEntry, AuditFilter } from '../../db/stores/audit.js';
import type { GatewayContext } from '../../gateway/context.js';
import { treeChanges } from '../../model/tree-changes.js';
import type { AuditEntryOut } from '../../schema/status.js';
import { rfc3339 } from '../dto/common.js';
import type { ApiRouter } from '../http.js';
import { ok } from '../http.js';
import type { Operation } from '../operation.js';
import { listOf, reply, route } from '../operation.js';
import { epochMs, listOptions, listQuery, names, oneOf, repeatable, rfc3339Param } from '../query.js';
import { auditResultNames, auditSortKeyNames } from '../../schema/lists.js';

export function auditOut(e: AuditEntry): AuditEntryOut {
  return {
    id: e.id,
    time: rfc3339(e.at),
    node: e.node,
    protocol: e.protocol,
    server: e.server,
    account: e.account,
    remoteAddress: e.remoteAddress,
    rule: e.rule,
    isSend: e.isSend,
    operation: e.operation as AuditEntryOut['operation'],
    path: e.path,
    target: e.target,
    localPath: e.localPath,
    result: e.result,
    reason: e.reason,
    details: e.details,
  };
}

const list = {
  method: 'get',
  path: '/api/audit',
  tag: 'audit',
  summary:
    'What partners changed in their folders (remove, rename, mkdir, rmdir, setstat), done or refused; newest first by default',
  perm: 'transfers:r',
  query: listQuery(auditSortKeyNames, {
    account: names('Account logins (repeatable).'),
    server: names('Server names (repeatable).'),
    rule: names('Rule names (repeatable).'),
    operation: repeatable(oneOf(treeChanges), 'Operations (repeatable).'),
    result: repeatable(oneOf(auditResultNames), 'Results (repeatable).'),
    node: names('Nodes (repeatable).'),
    start: rfc3339Param('At or after.'),
    stop: rfc3339Param('At or before.'),
  }),
  ok: [200, reply('One page', listOf('audit', 'AuditEntry'))],
  errs: [400],
} satisfies Operation;

export const auditOperations: Operation[] = [list];

export function auditRoutes(router: ApiRouter, ctx: GatewayContext): void {
  route(router, list, async (c, q) => {
    const filter: AuditFilter = {
      account: q.account ?? [],
      server: q.server ?? [],
      rule: q.rule ?? [],
      operation: q.operation ?? [],
      result: q.result ?? [],
      node: q.node ?? [],
    };
    const start = epochMs(q.start);
    const stop = epochMs(q.stop);
    if (start !== undefined) filter.from = start;
    if (stop !== undefined) filter.to = stop;
    const options = listOptions(q);
    options.sort ??= { key: 'time', desc: true };
    const list = await ctx.stores.audit.list(filter, options);
    ok(c, { audit: list.map(auditOut) });
  });
}
