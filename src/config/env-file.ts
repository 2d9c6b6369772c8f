import { readFileSync } from 'node:fs';

/**
 * `NAME_FILE=/path` stands for `NAME=<the file's content>`: Docker Swarm and Kubernetes hand
 * secrets to a container as files, and a secret read from a file never enters the process
 * environment (which EXEC tasks and every child process inherit).
 */
export const fileSuffix = '_FILE';

export type EnvRead =
  | { readonly value: string; readonly variable: string }
  | { readonly error: string; readonly variable: string }
  | undefined;

/**
 * The value of `name` from `env`, or from the file `name_FILE` names (its final newline
 * removed: `echo secret > file` must give "secret"), as given: the caller trims if it must.
 * Undefined when neither is set; empty or blank counts as unset. Setting both is an error: one
 * of them would be silently ignored.
 */
export function readEnvOrFile(env: NodeJS.ProcessEnv, name: string): EnvRead {
  const direct = env[name];
  const isSet = direct !== undefined && direct.trim() !== '';
  const fileVariable = name + fileSuffix;
  const path = env[fileVariable]?.trim();
  if (path === undefined || path === '') return isSet ? { value: direct, variable: name } : undefined;
  if (isSet) {
    return { error: `${name} is set too: set one of them`, variable: fileVariable };
  }
  try {
    return { value: readFileSync(path, 'utf8').replace(/\r?\n$/, ''), variable: fileVariable };
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const why = e.code === 'ENOENT' ? 'no such file' : e.code === 'EACCES' ? 'permission denied' : e.message;
    return { error: `cannot read ${path}: ${why}`, variable: fileVariable };
  }
}
