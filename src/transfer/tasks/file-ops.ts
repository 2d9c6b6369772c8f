/** File moves and copies shared by the file tasks. */
import { copyFile, mkdir, rename, unlink } from 'node:fs/promises';
import { dirname, isAbsolute, resolve } from 'node:path';

/** A task's path argument: relative paths are taken from the gateway home. */
export function taskPath(arg: string, home: string): string {
  return isAbsolute(arg) ? resolve(arg) : resolve(home, arg);
}

/** Copies `from` to `to`, creating `to`'s folder. */
export async function copyTo(from: string, to: string): Promise<void> {
  await mkdir(dirname(to), { recursive: true });
  await copyFile(from, to);
}

/** Moves `from` to `to`, creating `to`'s folder; across file systems it copies then deletes. */
export async function moveTo(from: string, to: string): Promise<void> {
  await mkdir(dirname(to), { recursive: true });
  try {
    await rename(from, to);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EXDEV') throw err;
    await copyFile(from, to);
    await unlink(from);
  }
}
