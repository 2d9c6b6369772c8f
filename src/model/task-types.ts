/**
 * The task types a rule may name: the one list read by the REST and import checks (src/schema)
 * and by the runner (src/transfer/tasks/index.ts keys its runners by it, so the compiler refuses
 * a type accepted here without a runner). Names are upper case; rules may write them in any case.
 */
export const taskTypeNames = [
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
export type TaskType = (typeof taskTypeNames)[number];

/** Arguments a task cannot run without. */
const requiredArgs: Readonly<Record<TaskType, readonly string[]>> = {
  COPY: ['path'],
  COPYRENAME: ['path'],
  MOVE: ['path'],
  MOVERENAME: ['path'],
  RENAME: ['path'],
  DELETE: [],
  EXEC: ['path'],
  EXECMOVE: ['path'],
  EXECOUTPUT: ['path'],
  TRANSFER: ['file', 'rule', 'as'],
};

export function isTaskType(s: string): s is TaskType {
  return (taskTypeNames as readonly string[]).includes(s);
}

/** What a task of a known `type` lacks to run (`task COPY needs the argument "path"`), or undefined. */
export function taskArgsProblem(type: TaskType, args: Readonly<Record<string, string>>): string | undefined {
  for (const name of requiredArgs[type]) {
    if ((args[name] ?? '') === '') return `task ${type} needs the argument "${name}"`;
  }
  if (type === 'TRANSFER' && (args.to === undefined) === (args.from === undefined)) {
    return 'task TRANSFER needs exactly one of "to" (push) or "from" (pull)';
  }
  return undefined;
}

/**
 * Task arguments are strings after substitution; as the reference, numbers, booleans and
 * objects (TRANSFER's `info`) are accepted and kept in their JSON text form.
 */
export function taskArgsAsText(args: Readonly<Record<string, unknown>>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(args).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]),
  );
}
