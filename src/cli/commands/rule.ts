/** `waarp-gateway rule …`: transfer rules, named by NAME and DIRECTION (send|receive). */
import type { RuleOut, TaskOut } from '../../schema/rules.js';
import { RuleIn } from '../../schema/rules.js';
import type { ReadField } from '../fields.js';
import { fieldOptions, readDirection, readWith } from '../fields.js';
import { usageError } from '../exit-codes.js';
import type { Output } from '../output.js';
import { block, done } from '../output.js';
import type { Group, Invocation } from '../tree.js';
import { group, leaf } from '../tree.js';
import { arg, direction, list, seg } from '../values.js';
import { crudLeaves } from './crud.js';

const base = '/api/rules';
const one = (inv: Invocation): string => {
  const dir = arg(inv, 'direction');
  direction(dir);
  return `${base}/${seg(arg(inv, 'name'))}/${dir}`;
};

/** `{"type":"COPY",…}` texts, as the API takes them. */
const readTasks: ReadField = (values, flag) => {
  const items = list(values, flag);
  if (items.length === 0) return undefined;
  return items.map((t) => {
    try {
      return JSON.parse(t) as unknown;
    } catch {
      throw usageError(`--${flag} takes a JSON task like {"type":"COPY","args":{"path":"/x"}}, got ${t}`);
    }
  });
};

const readBool = readWith((text, flag) => {
  if (text === 'true' || text === 'false') return text === 'true';
  throw usageError(`--${flag} takes true or false, got ${text}`);
});

/** `default` (the direction's), '' (nothing) or a comma-separated list. */
const readChanges = readWith((text) => {
  if (text === 'default') return null;
  return text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
});

const fields = fieldOptions(RuleIn, {
  name: ['name', { short: 'n', arg: 'NAME' }],
  direction: ['isSend', { short: 'd', arg: 'send|receive', read: readDirection }],
  comment: ['comment', { short: 'c', arg: 'TEXT' }],
  path: ['path', { short: 'p', arg: 'PATH' }],
  'local-dir': ['localDir', { arg: 'DIR' }],
  'remote-dir': ['remoteDir', { arg: 'DIR' }],
  'tmp-dir': ['tmpLocalRcvDir', { arg: 'DIR' }],
  'shared-folder': ['sharedFolder', { arg: 'true|false', read: readBool }],
  'partner-changes': [
    'partnerChanges',
    {
      arg: 'LIST|default',
      read: readChanges,
      note: 'comma-separated, "default" for the default, "" for nothing',
    },
  ],
  pre: [
    'preTasks',
    {
      short: 'r',
      arg: 'JSON',
      multiple: true,
      read: readTasks,
      note: 'e.g. {"type":"COPY","args":{"path":"/x"}}',
    },
  ],
  post: ['postTasks', { short: 's', arg: 'JSON', multiple: true, read: readTasks }],
  err: ['errorTasks', { short: 'e', arg: 'JSON', multiple: true, read: readTasks }],
});

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
