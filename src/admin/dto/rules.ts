/** Rules: JSON ↔ entity, task checks, and the reference's path rules (§1.5). */
import type { GatewayContext } from '../../gateway/context.js';
import type { Rule, TaskSpec } from '../../model/entities.js';
import type { TreeChange } from '../../model/tree-changes.js';
import { allowedChanges } from '../../model/tree-changes.js';
import type { RuleInput } from '../../db/stores/rules.js';
import { isTaskType, taskArgsAsText, taskArgsProblem } from '../../model/task-types.js';
import type { RuleFieldsIn, RuleOut } from '../../schema/rules.js';
import { badRequest } from '../errors.js';

type TaskIn = NonNullable<RuleFieldsIn['preTasks']>[number];

/** A checked task in its stored form: the type in upper case, every argument as text. */
function task(t: TaskIn, field: string): TaskSpec {
  const type = t.type.toUpperCase();
  const args = taskArgsAsText(t.args ?? {});
  const problem = isTaskType(type) ? taskArgsProblem(type, args) : `unknown task type "${t.type}"`;
  if (problem !== undefined) throw badRequest(`field "${field}.args": ${problem}`);
  return { type, args };
}

const chain = (list: TaskIn[] | undefined, field: string): TaskSpec[] | undefined =>
  list?.map((t, i) => task(t, `${field}[${i}]`));

/** The fields of a checked body (RuleIn or RulePatch) in the stored form. */
export interface RuleFields extends Omit<RuleFieldsIn, 'preTasks' | 'postTasks' | 'errorTasks'> {
  preTasks?: TaskSpec[];
  postTasks?: TaskSpec[];
  errorTasks?: TaskSpec[];
}

export function ruleFields(body: RuleFieldsIn): RuleFields {
  const { preTasks, postTasks, errorTasks, partnerChanges, ...rest } = body;
  const out: RuleFields = { ...rest };
  if (partnerChanges !== undefined)
    out.partnerChanges = partnerChanges === null ? null : [...new Set<TreeChange>(partnerChanges)];
  const pre = chain(preTasks, 'preTasks');
  const post = chain(postTasks, 'postTasks');
  const error = chain(errorTasks, 'errorTasks');
  if (pre !== undefined) out.preTasks = pre;
  if (post !== undefined) out.postTasks = post;
  if (error !== undefined) out.errorTasks = error;
  return out;
}

export function blankRule(): RuleInput {
  return {
    name: '',
    isSend: false,
    comment: '',
    path: '',
    localDir: '',
    remoteDir: '',
    tmpLocalRcvDir: '',
    sharedFolder: false,
    partnerChanges: null,
    preTasks: [],
    postTasks: [],
    errorTasks: [],
  };
}

export function mergeRule(base: RuleInput, body: RuleFieldsIn): RuleInput {
  const f = ruleFields(body);
  return {
    name: f.name ?? base.name,
    isSend: f.isSend ?? base.isSend,
    comment: f.comment ?? base.comment,
    path: f.path ?? base.path,
    localDir: f.localDir ?? base.localDir,
    remoteDir: f.remoteDir ?? base.remoteDir,
    tmpLocalRcvDir: f.tmpLocalRcvDir ?? base.tmpLocalRcvDir,
    sharedFolder: f.sharedFolder ?? base.sharedFolder ?? false,
    partnerChanges: f.partnerChanges !== undefined ? f.partnerChanges : (base.partnerChanges ?? null),
    preTasks: f.preTasks ?? base.preTasks,
    postTasks: f.postTasks ?? base.postTasks,
    errorTasks: f.errorTasks ?? base.errorTasks,
  };
}

/** Reference rule: an empty or `/` path is the rule name; leading (and trailing) `/` go. */
export function normalizeRulePath(path: string, name: string): string {
  const p = path.trim().replace(/^\/+/, '').replace(/\/+$/, '');
  return p === '' ? name : p;
}

const isAncestor = (a: string, b: string): boolean => b.startsWith(a + '/');

/**
 * 400 naming the conflicting rule when `rule.path` is the path of another rule of the same
 * direction, or an ancestor or descendant of any other rule's path (either direction).
 */
export async function checkRulePath(ctx: GatewayContext, rule: RuleInput, selfId?: number): Promise<void> {
  for (const other of await ctx.stores.rules.all()) {
    if (other.id === selfId) continue;
    const label = `${other.isSend ? 'send' : 'receive'} rule "${other.name}"`;
    if (other.path === rule.path && other.isSend === rule.isSend) {
      throw badRequest(`the path "${rule.path}" is already used by the ${label}`);
    }
    if (isAncestor(other.path, rule.path) || isAncestor(rule.path, other.path)) {
      throw badRequest(`the path "${rule.path}" overlaps the path "${other.path}" of the ${label}`);
    }
  }
}

/** Names of everything a rule is restricted to (empty lists: the rule is open to all). */
async function authorized(ctx: GatewayContext, rule: Rule): Promise<RuleOut['authorized']> {
  const out: RuleOut['authorized'] = { servers: [], partners: [], localAccounts: {}, remoteAccounts: {} };
  const { stores } = ctx;
  for (const t of await stores.rules.access(rule.id)) {
    // Rules are shared by every gateway on the database; another gateway's agents are not shown.
    switch (t.kind) {
      case 'server': {
        const s = await stores.servers.getById(t.id);
        if (s !== undefined) out.servers.push(s.name);
        break;
      }
      case 'partner': {
        const p = await stores.partners.getById(t.id);
        if (p !== undefined) out.partners.push(p.name);
        break;
      }
      case 'localAccount': {
        const a = await stores.localAccounts.getById(t.id);
        const s = a && (await stores.servers.getById(a.serverId));
        if (a !== undefined && s !== undefined) (out.localAccounts[s.name] ??= []).push(a.login);
        break;
      }
      case 'remoteAccount': {
        const a = await stores.remoteAccounts.getById(t.id);
        const p = a && (await stores.partners.getById(a.partnerId));
        if (a !== undefined && p !== undefined) (out.remoteAccounts[p.name] ??= []).push(a.login);
        break;
      }
    }
  }
  return out;
}

export async function ruleOut(ctx: GatewayContext, r: Rule): Promise<RuleOut> {
  return {
    name: r.name,
    isSend: r.isSend,
    comment: r.comment,
    path: r.path,
    localDir: r.localDir,
    remoteDir: r.remoteDir,
    tmpLocalRcvDir: r.tmpLocalRcvDir,
    sharedFolder: r.sharedFolder,
    partnerChanges: r.partnerChanges,
    allowedChanges: [...allowedChanges(r)],
    preTasks: r.preTasks,
    postTasks: r.postTasks,
    errorTasks: r.errorTasks,
    authorized: await authorized(ctx, r),
  };
}
