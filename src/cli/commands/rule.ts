/** `waarp-gateway rule …`: transfer rules, named by NAME and DIRECTION (send|receive). */
import type { RuleOut, TaskOut } from '../../schema/rules.js';
import { usageError } from '../exit-codes.js';
import type { Output } from '../output.js';
import { block, done } from '../output.js';
import type { Group, Invocation, OptionSpec } from '../tree.js';
import { group, leaf } from '../tree.js';
import { arg, direction, list, opt, put, seg } from '../values.js';
import { crudLeaves } from './crud.js';

const base = '/api/rules';
const one = (inv: Invocation): string => {
  const dir = arg(inv, 'direction');
  direction(dir);
  return `${base}/${seg(arg(inv, 'name'))}/${dir}`;
};

const fields: Record<string, OptionSpec> = {
  name: { type: 'string', short: 'n', arg: 'NAME', doc: 'rule name' },
  direction: { type: 'string', short: 'd', arg: 'send|receive', doc: 'direction of the rule' },
  comment: { type: 'string', short: 'c', arg: 'TEXT', doc: 'comment' },
  path: { type: 'string', short: 'p', arg: 'PATH', doc: 'path identifying the rule (default: its name)' },
  'local-dir': { type: 'string', arg: 'DIR', doc: 'local directory' },
  'remote-dir': { type: 'string', arg: 'DIR', doc: 'remote directory' },
  'tmp-dir': { type: 'string', arg: 'DIR', doc: 'local temporary receive directory' },
  'shared-folder': {
    type: 'string',
    arg: 'true|false',
    doc: 'every account sees every file of the receive folder (default false: each its own)',
  },
  'partner-changes': {
    type: 'string',
    arg: 'LIST|default',
    doc: 'what partners may change: comma-separated mkdir,rmdir,remove,rename,setstat, "" for nothing',
  },
  pre: {
    type: 'string',
    short: 'r',
    arg: 'JSON',
    multiple: true,
    doc: 'pre-task, e.g. {"type":"COPY","args":{"path":"/x"}}',
  },
  post: { type: 'string', short: 's', arg: 'JSON', multiple: true, doc: 'post-task' },
  err: { type: 'string', short: 'e', arg: 'JSON', multiple: true, doc: 'error task' },
};

function tasks(inv: Invocation, name: string): unknown[] | undefined {
  const items = list(inv.values, name);
  if (items.length === 0) return undefined;
  return items.map((t) => {
    try {
      return JSON.parse(t) as unknown;
    } catch {
      throw usageError(`--${name} takes a JSON task like {"type":"COPY","args":{"path":"/x"}}, got ${t}`);
    }
  });
}

function boolOption(v: string | undefined, name: string): boolean | undefined {
  if (v === undefined) return undefined;
  if (v === 'true' || v === 'false') return v === 'true';
  throw usageError(`--${name} takes true or false, got ${v}`);
}

/** `default` (the direction's), '' (nothing) or a comma-separated list. */
function changesOption(v: string | undefined): string[] | null | undefined {
  if (v === undefined) return undefined;
  if (v === 'default') return null;
  return v
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

function body(inv: Invocation): Record<string, unknown> {
  const b: Record<string, unknown> = {};
  put(b, 'name', opt(inv.values, 'name'));
  const dir = opt(inv.values, 'direction');
  if (dir !== undefined) b.isSend = direction(dir);
  put(b, 'comment', opt(inv.values, 'comment'));
  put(b, 'path', opt(inv.values, 'path'));
  put(b, 'localDir', opt(inv.values, 'local-dir'));
  put(b, 'remoteDir', opt(inv.values, 'remote-dir'));
  put(b, 'tmpLocalRcvDir', opt(inv.values, 'tmp-dir'));
  put(b, 'sharedFolder', boolOption(opt(inv.values, 'shared-folder'), 'shared-folder'));
  put(b, 'partnerChanges', changesOption(opt(inv.values, 'partner-changes')));
  put(b, 'preTasks', tasks(inv, 'pre'));
  put(b, 'postTasks', tasks(inv, 'post'));
  put(b, 'errorTasks', tasks(inv, 'err'));
  return b;
}

const taskText = (ts: TaskOut[]): string[] => ts.map((t) => `${t.type} ${JSON.stringify(t.args)}`);

function display(out: Output, r: RuleOut): void {
  const a = r.authorized;
  block(out, `Rule "${r.name}" (${r.isSend ? 'send' : 'receive'})`, [
    ['Comment', r.comment],
    ['Path', r.path],
    ['Local directory', r.localDir],
    ['Remote directory', r.remoteDir],
    ['Temp receive directory', r.tmpLocalRcvDir],
    [
      'Shared folder',
      r.sharedFolder ? 'yes (every account sees every file)' : 'no (each account its own files)',
    ],
    ['Partners may', r.allowedChanges.length === 0 ? 'change nothing' : r.allowedChanges],
    ['Pre tasks', taskText(r.preTasks)],
    ['Post tasks', taskText(r.postTasks)],
    ['Error tasks', taskText(r.errorTasks)],
    ['Authorized servers', a.servers],
    ['Authorized partners', a.partners],
    [
      'Authorized local accounts',
      Object.entries(a.localAccounts).flatMap(([s, ls]) => ls.map((l) => `${s}.${l}`)),
    ],
    [
      'Authorized remote accounts',
      Object.entries(a.remoteAccounts).flatMap(([p, ls]) => ls.map((l) => `${p}.${l}`)),
    ],
  ]);
  if (Object.values(a).every((v) => (Array.isArray(v) ? v.length === 0 : Object.keys(v).length === 0))) {
    out.line('  (open to everyone)');
  }
}

export const ruleCommand: Group = group({
  name: 'rule',
  summary: 'manage the transfer rules',
  children: [
    ...crudLeaves<RuleOut>({
      what: 'rule',
      args: ['name', 'direction'],
      collection: () => base,
      one,
      fields,
      required: ['name', 'direction'],
      body,
      nameOf: (x) => x.name,
      display,
      listKey: 'rules',
    }),
    leaf({
      name: 'allow',
      summary: 'remove every restriction: the rule is open to everyone',
      args: ['name', 'direction'],
      run: async (inv) => {
        const r = await inv.client().request('PUT', `${one(inv)}/allow_all`);
        done(inv.out, r.body, 'The rule is now open to everyone.');
      },
    }),
  ],
});
