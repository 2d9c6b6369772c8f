/** Rules: JSON ↔ entity, task checks, and the reference's path rules (§1.5). */
import type { RuleOut } from '../api-types.js';
import type { GatewayContext } from '../../gateway/context.js';
import type { Rule, TaskSpec } from '../../model/entities.js';
import type { TreeChange } from '../../model/tree-changes.js';
import { allowedChanges, treeChanges } from '../../model/tree-changes.js';
import type { RuleInput } from '../../db/stores/rules.js';
import { badRequest } from '../errors.js';
import type { Check, Out } from '../validate.js';
import { is, isPlainObject, objectOf } from '../validate.js';

/** Task types the gateway runs. */
export const taskTypes = [
  'COPY',
  'COPYRENAME',
  'MOVE',
  'MOVERENAME',
  'RENAME',
  'DELETE',
  'EXEC',
  'EXECMOVE',
  'EXECOUTPUT',
  'TRANSFER',
] as const;

/** Arguments a task cannot run without. */
const requiredArgs: Partial<Record<(typeof taskTypes)[number], string[]>> = {
  COPY: ['path'],
  COPYRENAME: ['path'],
  MOVE: ['path'],
  MOVERENAME: ['path'],
  RENAME: ['path'],
  EXEC: ['path'],
  EXECMOVE: ['path'],
  EXECOUTPUT: ['path'],
  TRANSFER: ['file', 'rule', 'as'],
};

/**
 * Task args are strings after substitution; as the reference, numbers, booleans and objects
 * (TRANSFER's `info`) are accepted and stored in their JSON text form.
 */
const taskArgs: Check<Record<string, string>> = (value, field) => {
  if (!isPlainObject(value)) throw badRequest(`field "${field}" must be an object`);
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(value)) {
    if (v === null || v === undefined) throw badRequest(`field "${field}.${k}" must not be null`);
    out[k] = typeof v === 'string' ? v : JSON.stringify(v);
  }
  return out;
};

const taskCheck = objectOf({ type: is.string({ nonEmpty: true }), args: taskArgs }, ['type']);

const task: Check<TaskSpec> = (value, field) => {
  const t = taskCheck(value, field);
  const type = t.type.toUpperCase();
  if (!(taskTypes as readonly string[]).includes(type)) {
    throw badRequest(`field "${field}.type": unknown task type "${t.type}" (known: ${taskTypes.join(', ')})`);
  }
  const args = t.args ?? {};
  for (const name of requiredArgs[type as (typeof taskTypes)[number]] ?? []) {
    if ((args[name] ?? '') === '')
      throw badRequest(`field "${field}.args": task ${type} needs the argument "${name}"`);
  }
  if (type === 'TRANSFER' && (args.to === undefined) === (args.from === undefined)) {
    throw badRequest(
      `field "${field}.args": task TRANSFER needs exactly one of "to" (push) or "from" (pull)`,
    );
  }
  return { type, args };
};

const dir = is.string({ max: 4096 });

/** `partnerChanges`: a list of tree changes, or null for the direction's default. */
const changes: Check<TreeChange[] | null> = (value, field) => {
  if (value === null) return null;
  const list = is.arrayOf(is.oneOf(treeChanges), { max: treeChanges.length * 2 })(value, field);
  return [...new Set(list)];
};

export const ruleShape = {
  name: is.name(),
  isSend: is.boolean(),
  comment: is.string({ max: 4096 }),
  path: is.string({ max: 255 }),
  localDir: dir,
  remoteDir: dir,
  tmpLocalRcvDir: dir,
  sharedFolder: is.boolean(),
  partnerChanges: changes,
  preTasks: is.arrayOf(task, { max: 100 }),
  postTasks: is.arrayOf(task, { max: 100 }),
  errorTasks: is.arrayOf(task, { max: 100 }),
};
export const ruleRequired = ['name', 'isSend'] as const;

export type RuleFields = Partial<Out<typeof ruleShape>>;

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

export function mergeRule(base: RuleInput, f: RuleFields): RuleInput {
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
