/** SFTP attributes and `ls -l` style long names. Owners are not disclosed (always 0). */
import type { Stats } from 'node:fs';
import { constants } from 'node:fs';
import type { AttrChange } from '../transfer/attributes.js';
import type { Attributes } from './ssh2.js';

const seconds = (ms: number): number => Math.floor(ms / 1000);

export function attrsOf(st: Stats): Attributes {
  return {
    mode: st.mode,
    uid: 0,
    gid: 0,
    size: st.size,
    atime: seconds(st.atimeMs),
    mtime: seconds(st.mtimeMs),
  };
}

/** A directory that exists only in the virtual tree (the root, a rule's parent folders). */
export function virtualDirAttrs(nowMs: number): Attributes {
  const t = seconds(nowMs);
  return { mode: constants.S_IFDIR | 0o755, uid: 0, gid: 0, size: 0, atime: t, mtime: t };
}

/** A regular file known by its size only (an upload in progress). */
export function fileAttrs(size: number, nowMs: number): Attributes {
  const t = seconds(nowMs);
  return { mode: constants.S_IFREG | 0o644, uid: 0, gid: 0, size, atime: t, mtime: t };
}

const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

function typeChar(mode: number): string {
  switch (mode & constants.S_IFMT) {
    case constants.S_IFDIR:
      return 'd';
    case constants.S_IFLNK:
      return 'l';
    case constants.S_IFREG:
      return '-';
    default:
      return '?';
  }
}

function permString(mode: number): string {
  const bits = 'rwxrwxrwx';
  let s = '';
  for (let i = 0; i < 9; i++) s += mode & (1 << (8 - i)) ? bits[i] : '-';
  return s;
}

/** `drwxr-xr-x    1 0        0               0 Jan  1 12:00 name`, as OpenSSH's ls_file. */
export function longName(name: string, a: Attributes, nowMs: number): string {
  const d = new Date(a.mtime * 1000);
  const sixMonths = 182 * 24 * 3600 * 1000;
  const recent = Math.abs(nowMs - d.getTime()) < sixMonths;
  const when = recent
    ? `${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}`
    : String(d.getFullYear()).padStart(5, ' ');
  const date = `${months[d.getMonth()] ?? '???'} ${String(d.getDate()).padStart(2, ' ')} ${when}`;
  return `${typeChar(a.mode)}${permString(a.mode)}    1 ${'0'.padEnd(8)} ${'0'.padEnd(8)} ${String(a.size).padStart(8)} ${date} ${name}`;
}

/** What a SETSTAT or FSETSTAT asks to change (ssh2 leaves the fields not sent undefined). */
export function changeOf(attrs: Partial<Attributes> | undefined): AttrChange {
  const out: AttrChange = {};
  if (attrs === undefined) return out;
  for (const k of ['mode', 'atime', 'mtime', 'size', 'uid', 'gid'] as const) {
    const v = attrs[k];
    if (typeof v === 'number') out[k] = v;
  }
  return out;
}
