/** `/api/rules`: transfer rules, identified by name and direction (`send`/`receive`). */
import { ruleSortKeys } from '../../db/stores/rules.js';
import type { RuleInput } from '../../db/stores/rules.js';
import type { GatewayContext } from '../../gateway/context.js';
import type { Rule } from '../../model/entities.js';
import { readJson } from '../body.js';
import { blankRule, checkRulePath, mergeRule, normalizeRulePath, ruleOut } from '../dto/rules.js';
import { deleting } from '../errors.js';
import type { ApiContext, ApiRouter } from '../http.js';
import { created, dirName, direction, location, noContent, ok, param } from '../http.js';
import { findRule } from '../lookup.js';
import type { Operation } from '../operation.js';
import { crudOperations, messageReply, route } from '../operation.js';
import { listOptions, listQuery } from '../query.js';
import { PrivilegeCheck } from '../privileged.js';
import { bodyOf, editBodyOf } from '../validate.js';

/**
 * What the rule's writer needs beyond `rules:w` (src/admin/privileged.ts), for what it changes:
 * its folders and tasks, compared with the rule as it was (`old`).
 */
function checkPrivileges(ctx: GatewayContext, c: ApiContext, next: RuleInput, old?: Rule): void {
  const check = new PrivilegeCheck(ctx.config, c.state.user);
  const home = ctx.config.paths.gatewayHome;
  check.folders(
    (['localDir', 'tmpLocalRcvDir'] as const)
      .filter((field) => next[field] !== old?.[field])
      .map((field) => ({ field, value: next[field], base: home })),
  );
  check.tasks({ preTasks: next.preTasks, postTasks: next.postTasks, errorTasks: next.errorTasks }, [
    ...(old?.preTasks ?? []),
    ...(old?.postTasks ?? []),
    ...(old?.errorTasks ?? []),
  ]);
}

const item = '/api/rules/:rule/:dir';
const crud = crudOperations('Rule', item, listQuery(Object.keys(ruleSortKeys)));
const allowAll: Operation = {
  method: 'put',
  path: `${item}/allow_all`,
  tag: 'rules',
  summary: 'Open the rule to everyone',
  perm: 'rules:w',
  ok: [200, messageReply('Done')],
  errs: [400, 404],
};

export const ruleOperations: Operation[] = [...Object.values(crud), allowAll];

export function ruleRoutes(router: ApiRouter, ctx: GatewayContext): void {
  const { rules } = ctx.stores;
  const where = (r: RuleInput): string => location('rules', r.name, dirName(r.isSend));
  const prepare = async (r: RuleInput, selfId?: number): Promise<RuleInput> => {
    const next = { ...r, path: normalizeRulePath(r.path, r.name) };
    await checkRulePath(ctx, next, selfId);
    return next;
  };

  route(router, crud.list, async (c, q) => {
    const list = await rules.list(listOptions(q));
    ok(c, { rules: await Promise.all(list.map((r) => ruleOut(ctx, r))) });
  });

  route(router, crud.create, async (c) => {
    const body = bodyOf('RuleIn', await readJson(c));
    const next = mergeRule(blankRule(), body);
    checkPrivileges(ctx, c, next);
    const r = await rules.create(await prepare(next));
    created(c, where(r), await ruleOut(ctx, r));
  });

  route(router, crud.get, async (c) => {
    ok(c, await ruleOut(ctx, await findRule(ctx, param(c, 'rule'), direction(c))));
  });

  for (const method of ['patch', 'put'] as const) {
    route(router, crud[method], async (c) => {
      const old = await findRule(ctx, param(c, 'rule'), direction(c));
      const body = editBodyOf(method, 'Rule', await readJson(c));
      const merged = mergeRule(method === 'patch' ? old : blankRule(), body);
      checkPrivileges(ctx, c, merged, old);
      const next = await prepare(merged, old.id);
      await rules.update(old.id, next);
      created(c, where(next), await ruleOut(ctx, await findRule(ctx, next.name, next.isSend)));
    });
  }

  route(router, crud.delete, async (c) => {
    const r = await findRule(ctx, param(c, 'rule'), direction(c));
    await deleting(`${dirName(r.isSend)} rule "${r.name}"`, () => rules.delete(r.id));
    noContent(c);
  });

  route(router, allowAll, async (c) => {
    const r = await findRule(ctx, param(c, 'rule'), direction(c));
    await rules.allowAll(r.id);
    ok(c, { message: `usage of the ${dirName(r.isSend)} rule "${r.name}" is now unrestricted` });
  });
}
