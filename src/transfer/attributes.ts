/**
 * Times and permission bits a partner sets on its files (SFTP setstat/fsetstat), applied within
 * a safe mask: never setuid, setgid or sticky, and never a mode the gateway (owner read and
 * write) or the back office (the read bits of the configured permissions) cannot read back.
 */
import { chmod, stat, utimes } from 'node:fs/promises';
import { TransferError } from '../model/transfer-state.js';

/** What a partner asked to change; times in seconds since the epoch, as SFTP carries them. */
export interface AttrChange {
  mode?: number;
  atime?: number;
  mtime?: number;
  size?: number;
  uid?: number;
  gid?: number;
}

/** The configured modes (`[paths] FilePermissions`, `DirectoryPermissions`). */
export interface ModeFloor {
  readonly file: number;
  readonly dir: number;
}

/**
 * The mode applied for a requested one: its `rwx` bits, plus owner read and write (and search
 * on a folder), plus the read (and search) bits of the configured mode.
 */
export function safeMode(requested: number, floor: ModeFloor, isDir: boolean): number {
  const configured = isDir ? floor.dir : floor.file;
  const keep = configured & (isDir ? 0o555 : 0o444);
  return (requested & 0o777) | (isDir ? 0o700 : 0o600) | keep;
}

/**
 * Checks what can be applied to a file: ownership stays the gateway's (only the owner the
 * gateway reports, 0, is accepted) and sizes are changed by writing, not by setstat.
 * `currentSize`: the size the file has (a size equal to it is no change).
 */
export function checkChange(a: AttrChange, currentSize: number | undefined): void {
  if ((a.uid !== undefined && a.uid !== 0) || (a.gid !== undefined && a.gid !== 0))
    throw new TransferError('TeForbidden', "file owners cannot be changed (the files are the gateway's)");
  if (a.size !== undefined && a.size !== currentSize)
    throw new TransferError(
      'TeForbidden',
      "a file's size cannot be changed by setstat: write it, or upload it again",
    );
}

/** True when the change carries something to apply (times or mode). */
export function hasEffect(a: AttrChange): boolean {
  return a.mode !== undefined || a.atime !== undefined || a.mtime !== undefined;
}

/** Applies the times and the (masked) mode to a real file or folder. */
export async function applyAttrs(path: string, a: AttrChange, floor: ModeFloor): Promise<void> {
  if (!hasEffect(a)) return;
  const st = await stat(path);
  if (a.mode !== undefined) await chmod(path, safeMode(a.mode, floor, st.isDirectory()));
  if (a.atime !== undefined || a.mtime !== undefined) {
    await utimes(path, a.atime ?? st.atimeMs / 1000, a.mtime ?? st.mtimeMs / 1000);
  }
}

/** Merges a later change into an earlier one (both asked on the same open file). */
export function mergeChanges(earlier: AttrChange | undefined, later: AttrChange): AttrChange {
  const out: AttrChange = { ...earlier };
  for (const k of ['mode', 'atime', 'mtime', 'size', 'uid', 'gid'] as const) {
    const v = later[k];
    if (v !== undefined) out[k] = v;
  }
  return out;
}
