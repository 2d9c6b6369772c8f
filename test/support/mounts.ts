/**
 * Filesystems that fill up or go away, for the crash tests: a small tmpfs, and a shared volume
 * that one node loses (unmounted, or turned read-only) while the others keep it. Each node then
 * runs in a mount namespace of its own (`privateMountsLauncher`), as in a container: it sees
 * the volume at the same path as the others, and what happens to its mounts stays its own.
 * All of it needs root (CI runs as root); a test that cannot mount fails and says why.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

export function requireRoot(what: string): void {
  if (process.getuid?.() !== 0) throw new Error(`${what} needs root to mount filesystems (CI runs as root)`);
}

/** Start a process with a copy of the current mounts, private to it (util-linux `unshare`). */
export const privateMountsLauncher = ['unshare', '--mount', '--propagation', 'private', '--'];

export async function mountTmpfs(dir: string, sizeMiB: number): Promise<void> {
  await run('mount', ['-t', 'tmpfs', '-o', `size=${sizeMiB}m`, 'tmpfs', dir]);
}

/** A tmpfs grows or shrinks in place, its files kept. */
export async function resizeTmpfs(dir: string, sizeMiB: number): Promise<void> {
  await run('mount', ['-o', `remount,size=${sizeMiB}m`, dir]);
}

/** `mount …` in the current namespace, or in the mount namespace of process `pid`. */
async function mount(args: string[], pid?: number): Promise<void> {
  if (pid === undefined) await run('mount', args);
  else await run('nsenter', ['-t', String(pid), '-m', 'mount', ...args]);
}

export function bindMount(source: string, target: string, pid?: number): Promise<void> {
  return mount(['--bind', source, target], pid);
}

/** Read-only or writable for this mount only (the filesystem itself is unchanged). */
export function remountBind(target: string, mode: 'ro' | 'rw', pid?: number): Promise<void> {
  return mount(['-o', `remount,bind,${mode}`, target], pid);
}

/** Lazy: the mount leaves the path at once, open files keep working on it. */
export async function unmount(target: string, pid?: number): Promise<void> {
  if (pid === undefined) await run('umount', ['-l', target]);
  else await run('nsenter', ['-t', String(pid), '-m', 'umount', '-l', target]);
}
