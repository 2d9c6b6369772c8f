/** Rules and their tasks: what the API takes and returns. */
import type { Static, TArray, TOptional, TString } from '@sinclair/typebox';
import { Type } from '@sinclair/typebox';
import { taskTypeNames } from '../model/task-types.js';
import { treeChanges } from '../model/tree-changes.js';
import { customReason } from './check.js';
import { FreeObject, MapOf, Name, Nullable, Str, StringEnum } from './types.js';

const closed = { additionalProperties: false } as const;

export const TaskType = Type.Unsafe<string>({
  ...StringEnum(taskTypeNames, { caseInsensitive: true, description: 'Case-insensitive' }),
  [customReason]: (v: unknown) =>
    `names an unknown task type ${JSON.stringify(v)} (known: ${taskTypeNames.join(', ')})`,
});

/** As the reference: any JSON value but null; kept as its JSON text (taskArgsAsText). */
export const TaskArgs = MapOf(
  Type.Union([Type.String(), Type.Number(), Type.Boolean(), FreeObject(), Type.Array(Type.Unknown())]),
);

export const TaskIn = Type.Object({ type: TaskType, args: Type.Optional(TaskArgs) }, closed);
export const Task = Type.Object({ type: Type.String(), args: MapOf(Type.String()) });

const tasks = (description: string): TOptional<TArray<typeof TaskIn>> =>
  Type.Optional(Type.Array(TaskIn, { maxItems: 100, description }));
const dir = (description: string): TOptional<TString> => Type.Optional(Str({ max: 4096, description }));

export const ruleDescriptions = {
  path: 'Path identifying the rule; empty or "/" means the rule name; may not nest in or contain another rule\'s path',
  localDir:
    'Local folder of the files; `#ACCOUNT#` in it stands for the login of the partner using the rule: one folder per account',
  sharedFolder:
    'Every account of the rule sees and may change every file of its receive folder; false (the default for a new rule): each account only what it delivered',
  partnerChanges:
    'What partners may change in the folder besides transferring; null: the default of the direction (receive: all, on their own files; send: none)',
};

export const RuleIn = Type.Object(
  {
    name: Name({ description: 'Rule name (a send and a receive rule may share it)' }),
    isSend: Type.Boolean({ description: 'A send rule (files leave the gateway) or a receive rule' }),
    comment: Type.Optional(Str({ max: 4096, description: 'Free comment' })),
    path: Type.Optional(Str({ description: ruleDescriptions.path })),
    localDir: dir(ruleDescriptions.localDir),
    remoteDir: dir('Folder on the partner (client transfers)'),
    tmpLocalRcvDir: dir('Local folder of files being received'),
    sharedFolder: Type.Optional(Type.Boolean({ description: ruleDescriptions.sharedFolder })),
    partnerChanges: Type.Optional(
      Nullable(Type.Array(StringEnum(treeChanges), { maxItems: treeChanges.length * 2 }), {
        description: ruleDescriptions.partnerChanges,
      }),
    ),
    preTasks: tasks('Tasks run before the transfer'),
    postTasks: tasks('Tasks run after a successful transfer'),
    errorTasks: tasks('Tasks run after a failed transfer'),
  },
  closed,
);
export const RulePatch = Type.Partial(RuleIn, closed);
export type RuleFieldsIn = Static<typeof RulePatch>;

const names = Type.Array(Type.String());

export const Rule = Type.Object({
  name: Type.String(),
  isSend: Type.Boolean(),
  comment: Type.String(),
  path: Type.String({ description: ruleDescriptions.path }),
  localDir: Type.String({ description: ruleDescriptions.localDir }),
  remoteDir: Type.String(),
  tmpLocalRcvDir: Type.String(),
  sharedFolder: Type.Boolean({ description: ruleDescriptions.sharedFolder }),
  partnerChanges: Nullable(Type.Array(StringEnum(treeChanges)), {
    description: ruleDescriptions.partnerChanges,
  }),
  allowedChanges: Type.Array(StringEnum(treeChanges)),
  preTasks: Type.Array(Task),
  postTasks: Type.Array(Task),
  errorTasks: Type.Array(Task),
  authorized: Type.Object({
    servers: names,
    partners: names,
    localAccounts: MapOf(names),
    remoteAccounts: MapOf(names),
  }),
});

export type TaskOut = Static<typeof Task>;
export type RuleOut = Static<typeof Rule>;
