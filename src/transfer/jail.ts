/**
 * Real-path checks: a path inside a rule's directory must still be inside it once symbolic
 * links are followed, so a link planted in a directory cannot lead a partner elsewhere.
 */
import { lstat, mkdir, realpath } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { TransferError } from '../model/transfer-state.js';
import { isInside, joinInside } from './paths.js';

function isNotFound(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException).code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

/**
 * The real location of `rel` inside `root`: every existing part of it resolved (links followed)
 * and checked to stay inside the real root; the missing tail is appended as is (it holds no
 * link yet). With `create`, a missing root is created first.
 */
export async function resolveInside(
  root: string,
  rel: string,
  options: { create?: boolean; mode?: number } = {},
): Promise<string> {
  let realRoot: string;
  try {
    realRoot = await realpath(root);
  } catch (err) {
    if (!isNotFound(err) || options.create !== true) throw err;
    await mkdir(root, { recursive: true, mode: options.mode });
    realRoot = await realpath(root);
  }
  const target = joinInside(realRoot, rel);
  let probe = target;
  for (;;) {
    try {
      const real = await realpath(probe);
      if (!isInside(realRoot, real)) {
        throw new TransferError('TeForbidden', `"${rel}" leads outside the rule's directory`);
      }
      return probe === target ? real : join(real, relative(probe, target));
    } catch (err) {
      if (!isNotFound(err)) throw err;
      // A dangling link would be followed by a later open or create: refuse it.
      if (await isLink(probe)) throw new TransferError('TeForbidden', `"${rel}" is a dangling link`);
      const parent = dirname(probe);
      if (parent === probe || !isInside(realRoot, parent)) throw err;
      probe = parent;
    }
  }
}

async function isLink(path: string): Promise<boolean> {
  try {
    return (await lstat(path)).isSymbolicLink();
  } catch {
    return false;
  }
}
