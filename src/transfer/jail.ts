/**
 * Real-path checks: a path inside a rule's directory must still be inside it once symbolic
 * links are followed, so a link planted in a directory cannot lead a partner elsewhere; and a
 * directory holding the gateway's own files (key, database, configuration) is refused whole,
 * whatever rule or server names it (src/config/gateway-files.ts).
 */
import { lstat, mkdir, realpath } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { exposedProtectedFile } from '../config/gateway-files.js';
import { TransferError } from '../model/transfer-state.js';
import { isInside, joinInside } from './paths.js';

function isNotFound(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException).code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

/**
 * The real location of `rel` inside `root`: every existing part of it resolved (links followed)
 * and checked to stay inside the real root; the missing tail is appended as is (it holds no
 * link yet). With `create`, a missing root is created first. A root that holds one of the
 * gateway's own files is refused (TeForbidden), so nothing in it can be listed, read or written.
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
  // Not the file's name: the partner only learns that this directory is off limits.
  if (exposedProtectedFile(realRoot) !== undefined) {
    throw new TransferError('TeForbidden', "this directory holds the gateway's own files: refused");
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
