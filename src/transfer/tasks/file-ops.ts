/** File moves and copies shared by the file tasks. */
import { randomUUID } from 'node:crypto';
import { copyFile, mkdir, rename, unlink } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';

/** A task's path argument: relative paths are taken from the gateway home. */
export function taskPath(arg: string, home: string): string {
  return isAbsolute(arg) ? resolve(arg) : resolve(home, arg);
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
