/** File moves and copies shared by the file tasks. */
import { randomUUID } from 'node:crypto';
import type { Stats } from 'node:fs';
import { copyFile, lstat, mkdir, rename, unlink } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';
import { protectedFileAt } from '../../config/gateway-files.js';
import type { TaskState } from './types.js';
import { TaskFailure } from './types.js';

/**
 * A task's path argument: relative paths are taken from the gateway home. A path that is, or
 * holds, one of the gateway's own files (key, database, configuration) fails the task: a file
 * task never overwrites them, copies into their folder, or hands them to the transfer.
 */
export function taskPath(arg: string, home: string): string {
  const path = isAbsolute(arg) ? resolve(arg) : resolve(home, arg);
  if (protectedFileAt(path) !== undefined) {
    throw new TaskFailure(`"${path}" is, or holds, one of the gateway's own files`, 'TeForbidden');
  }
  return path;
}

/** Copies `from` to `to`, creating `to`'s folder. */
export async function copyTo(from: string, to: string): Promise<void> {
  await mkdir(dirname(to), { recursive: true });
  await copyFile(from, to);
}

/**
 * Moves `from` to `to`, creating `to`'s folder. Across file systems it copies beside `to` under
 * a hidden name first, then renames: `to` never shows a partial file.
 */
export async function moveTo(from: string, to: string): Promise<void> {
  await mkdir(dirname(to), { recursive: true });
  try {
    await rename(from, to);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EXDEV') throw err;
    const beside = join(dirname(to), `.${basename(to)}.${randomUUID()}.moving`);
    try {
      await copyFile(from, beside);
      await rename(beside, to);
    } catch (e) {
      await unlink(beside).catch(() => undefined);
      throw e;
    }
    await unlink(from);
  }
}

/**
 * Points the transfer at `reported`, a file a program says it left the transfer's file in
 * (EXECMOVE, EXECOUTPUT's NEWFILENAME); a relative path is the program's, from the daemon's
 * working folder. It must be a regular file (not a link, not a folder) and none of the
 * gateway's own files: the next tasks, the record and a download would use it.
 */
export async function followReportedFile(task: string, reported: string, state: TaskState): Promise<void> {
  const path = taskPath(reported, process.cwd());
  let st: Stats;
  try {
    st = await lstat(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT' || code === 'ENOTDIR' ? 'does not exist' : `cannot be read (${code ?? String(err)})`;
    throw new TaskFailure(`${task}: the reported file "${path}" ${why}`, 'TeExternalOperation', {
      cause: err,
    });
  }
  if (!st.isFile()) throw new TaskFailure(`${task}: the reported file "${path}" is not a regular file`);
  state.trueFullPath = path;
  state.fileSize = st.size;
}
