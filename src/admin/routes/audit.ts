/**
 * `GET /api/audit`: what partners changed in their folders (remove, rename, mkdir, rmdir,
 * setstat), done or refused, newest first unless `sort` says otherwise. Filters repeat.
 */
import type { AuditEntry, AuditFilter } from '../../db/stores/audit.js';
import { auditResults, auditSortKeys } from '../../db/stores/audit.js';
import type { GatewayContext } from '../../gateway/context.js';
import { treeChanges } from '../../model/tree-changes.js';
import type { AuditEntryOut } from '../../schema/status.js';
import { rfc3339 } from '../dto/common.js';
import { badRequest } from '../errors.js';
import type { ApiRouter } from '../http.js';
import { ok } from '../http.js';
import type { Operation } from '../operation.js';
import { listOf, listQuery, names, reply, repeatable, rfc3339Param, route } from '../operation.js';
import { checkParams, date, listOptions, many } from '../paging.js';
import { auditResultNames, auditSortKeyNames } from '../../schema/lists.js';
import { StringEnum } from '../../schema/types.js';

export const auditFilters = ['account', 'server', 'rule', 'operation', 'result', 'node', 'start', 'stop'];

function oneOf(values: string[], allowed: readonly string[], name: string): string[] {
  for (const v of values)
    if (!allowed.includes(v))
      throw badRequest(`query parameter "${name}": "${v}" is not one of ${allowed.join(', ')}`);
  return values;
}

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

const list: Operation = {
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
    operation: repeatable(StringEnum(treeChanges), 'Operations (repeatable).'),
    result: repeatable(StringEnum(auditResultNames), 'Results (repeatable).'),
    node: names('Nodes (repeatable).'),
    start: rfc3339Param('At or after.'),
    stop: rfc3339Param('At or before.'),
  }),
  ok: [200, reply('One page', listOf('audit', 'AuditEntry'))],
  errs: [400],
};

export const auditOperations: Operation[] = [list];

export function auditRoutes(router: ApiRouter, ctx: GatewayContext): void {
  route(router, list, async (c) => {
    checkParams(c.query, auditFilters);
    const filter: AuditFilter = {
      account: many(c.query, 'account'),
      server: many(c.query, 'server'),
      rule: many(c.query, 'rule'),
      operation: oneOf(many(c.query, 'operation'), treeChanges, 'operation'),
      result: oneOf(many(c.query, 'result'), auditResults, 'result'),
      node: many(c.query, 'node'),
    };
    const start = date(c.query, 'start');
    const stop = date(c.query, 'stop');
    if (start !== undefined) filter.from = start;
    if (stop !== undefined) filter.to = stop;
    const options = listOptions(c.query, auditSortKeys);
    options.sort ??= { key: 'time', desc: true };
    const list = await ctx.stores.audit.list(filter, options);
    ok(c, { audit: list.map(auditOut) });
  });
}
