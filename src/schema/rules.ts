/** Rules and their tasks: what the API takes and returns. */
import type { Static } from '@sinclair/typebox';
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

const tasks = Type.Optional(Type.Array(TaskIn, { maxItems: 100 }));
const dir = Type.Optional(Str({ max: 4096 }));

export const ruleDescriptions = {
  path: 'Empty or "/" means the rule name; may not nest in or contain another rule\'s path',
  localDir: '`#ACCOUNT#` in it stands for the login of the partner using the rule: one folder per account',
  sharedFolder:
    'Every account of the rule sees and may change every file of its receive folder; false (the default for a new rule): each account only what it delivered',
  partnerChanges:
    'What partners may change in the folder besides transferring; null: the default of the direction (receive: all, on their own files; send: none)',
};

export const RuleIn = Type.Object(
  {
    name: Name(),
    isSend: Type.Boolean(),
    comment: Type.Optional(Str({ max: 4096 })),
    path: Type.Optional(Str({ description: ruleDescriptions.path })),
    localDir: Type.Optional(Str({ max: 4096, description: ruleDescriptions.localDir })),
    remoteDir: dir,
    tmpLocalRcvDir: dir,
    sharedFolder: Type.Optional(Type.Boolean({ description: ruleDescriptions.sharedFolder })),
    partnerChanges: Type.Optional(
      Nullable(Type.Array(StringEnum(treeChanges), { maxItems: treeChanges.length * 2 }), {
        description: ruleDescriptions.partnerChanges,
      }),
    ),
    preTasks: tasks,
    postTasks: tasks,
    errorTasks: tasks,
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
