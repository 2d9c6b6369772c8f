/**
 * Where transfers read and write, as pure functions (no file system access): the reference's
 * leaf/branch directory chains (reference §1.5, `utils.GetPath`), the mapping of a protocol
 * path (SFTP's virtual tree) to a rule, and the containment check every real path must pass.
 * Shared by the SFTP server and the client-transfer engine.
 */
import { isAbsolute, join, posix, resolve, sep } from 'node:path';
import type { Rule, Server } from '../model/entities.js';

/** One candidate of a directory chain: a leaf is used only if nothing was chosen yet, a branch
 *  (a root) is always prepended. */
export interface PathElem {
  readonly path: string;
  readonly branch: boolean;
}

export const leaf = (path: string): PathElem => ({ path, branch: false });
export const branch = (path: string): PathElem => ({ path, branch: true });

/**
 * Walks the chain from most to least specific and stops at the first absolute result, as the
 * reference's `GetPath`. Empty elements are skipped. A chain that never becomes absolute is
 * resolved against the process's directory (the gateway home, the last branch, is absolute).
 */
export function resolveChain(elems: readonly PathElem[]): string {
  let acc = '';
  let leafChosen = false;
  for (const e of elems) {
    if (e.path === '') continue;
    if (!e.branch) {
      if (leafChosen) continue;
      leafChosen = true;
    }
    acc = acc === '' ? e.path : join(e.path, acc);
    if (isAbsolute(acc)) return resolve(acc);
  }
  return resolve(acc);
}

/** The configured default directories (absolute). */
export interface DefaultDirs {
  readonly gatewayHome: string;
  readonly defaultInDir: string;
  readonly defaultOutDir: string;
  readonly defaultTmpDir: string;
}

type ServerDirs = Pick<Server, 'rootDir' | 'receiveDir' | 'sendDir' | 'tmpReceiveDir'>;
type RuleDirs = Pick<Rule, 'localDir' | 'tmpLocalRcvDir'>;

/** A server with a root dir gets `in`, `out` and `tmp` for its empty dirs (`LocalAgent.makePaths`). */
export function effectiveServerDirs(s: ServerDirs): ServerDirs {
  if (s.rootDir === '') return s;
  return {
    rootDir: s.rootDir,
    receiveDir: s.receiveDir === '' ? 'in' : s.receiveDir,
    sendDir: s.sendDir === '' ? 'out' : s.sendDir,
    tmpReceiveDir: s.tmpReceiveDir === '' ? 'tmp' : s.tmpReceiveDir,
  };
}

/**
 * A server-side folder as the reference chains it: the rule's, else the server's (under the
 * server's root), else the gateway's default (under the gateway home).
 */
function serverChain(
  ruleDir: string,
  serverDir: string,
  rootDir: string,
  gatewayDir: string,
  home: string,
): string {
  return resolveChain([leaf(ruleDir), leaf(serverDir), branch(rootDir), leaf(gatewayDir), branch(home)]);
}

/** Server side, partner downloads: where the files sent are read. */
export function serverSendDir(rule: RuleDirs, server: ServerDirs, d: DefaultDirs): string {
  const s = effectiveServerDirs(server);
  return serverChain(rule.localDir, s.sendDir, s.rootDir, d.defaultOutDir, d.gatewayHome);
}

/** Server side, partner uploads: where the received files end. */
export function serverReceiveDir(rule: RuleDirs, server: ServerDirs, d: DefaultDirs): string {
  const s = effectiveServerDirs(server);
  return serverChain(rule.localDir, s.receiveDir, s.rootDir, d.defaultInDir, d.gatewayHome);
}

/**
 * Server side, partner uploads: where the bytes land until the file is complete. Never the
 * rule's own folder or the server's receive folder, which partners list: the rule's tmp folder,
 * else the server's, else the gateway's (`chooseTmpDir` checks it against every listed folder).
 */
export function serverTmpDir(rule: RuleDirs, server: ServerDirs, d: DefaultDirs): string {
  const s = effectiveServerDirs(server);
  return serverChain(rule.tmpLocalRcvDir, s.tmpReceiveDir, s.rootDir, d.defaultTmpDir, d.gatewayHome);
}

/**
 * The first of `candidates` outside every folder partners list (`listed`), so that a partial
 * file is never listed, downloaded or renamed into place; undefined when none is.
 */
export function chooseTmpDir(candidates: readonly string[], listed: readonly string[]): string | undefined {
  return candidates.find((c) => !listed.some((dir) => isInside(dir, c)));
}

// ---- folders per account ------------------------------------------------------------------

/** In a rule's folder, stands for the login of the account using it: one folder per account. */
export const accountPlaceholder = '#ACCOUNT#';

/** A login that can name a folder: one path segment, nothing that climbs or hides. */
export function isFolderSafe(login: string): boolean {
  return login !== '' && login !== '.' && login !== '..' && !/[/\\\0]/.test(login);
}

/** The rule's folders as one account sees them: `#ACCOUNT#` replaced by its login. */
export function ruleForAccount<R extends RuleDirs>(rule: R, login: string): R {
  if (!rule.localDir.includes(accountPlaceholder) && !rule.tmpLocalRcvDir.includes(accountPlaceholder))
    return rule;
  if (!isFolderSafe(login))
    throw new BadPathError(`the login "${login}" cannot name a folder (${accountPlaceholder})`);
  return {
    ...rule,
    localDir: rule.localDir.split(accountPlaceholder).join(login),
    tmpLocalRcvDir: rule.tmpLocalRcvDir.split(accountPlaceholder).join(login),
  };
}

/**
 * What a rule's folder covers for everyone: the folder itself, or (with `#ACCOUNT#`) the
 * folder holding one sub-folder per account.
 */
export interface FolderScope {
  readonly dir: string;
  readonly perAccount: boolean;
}

function scopeRule<R extends RuleDirs>(rule: R): { rule: R; perAccount: boolean } {
  const at = rule.localDir.indexOf(accountPlaceholder);
  if (at < 0) return { rule, perAccount: false };
  const parent = rule.localDir.slice(0, at).replace(/\/+$/, '');
  return { rule: { ...rule, localDir: parent === '' ? '.' : parent }, perAccount: true };
}

export function sendScope(rule: RuleDirs, server: ServerDirs, d: DefaultDirs): FolderScope {
  const s = scopeRule(rule);
  return { dir: serverSendDir(s.rule, server, d), perAccount: s.perAccount };
}

export function receiveScope(rule: RuleDirs, server: ServerDirs, d: DefaultDirs): FolderScope {
  const s = scopeRule(rule);
  return { dir: serverReceiveDir(s.rule, server, d), perAccount: s.perAccount };
}

/**
 * A part of the file system an account must not reach through any rule: a whole folder, or
 * (`accounts`) the sub-folders of a per-account folder except its own (`own`). An `offered`
 * area (what a send rule offers to other accounts) is hidden from what the account reads
 * through rules that show a folder's whole content; an isolated receive folder shows only the
 * account's own files anyway, so the account may still deliver there.
 */
export interface HiddenArea {
  readonly dir: string;
  readonly accounts: boolean;
  readonly own?: string;
  readonly offered?: boolean;
}

/**
 * The areas hidden from one account: the folders of the send rules it may not use (what is
 * offered to others, even when another rule shares or contains that folder), the other
 * accounts' folders of per-account rules, and every rule's tmp folder (unless it is a listed
 * folder itself: a broken configuration, refused when an upload starts).
 */
export function hiddenAreas(
  rules: readonly Rule[],
  usable: ReadonlySet<number>,
  login: string,
  server: ServerDirs,
  d: DefaultDirs,
): HiddenArea[] {
  const listed = listedFolders(rules, server, d);
  const out: HiddenArea[] = [];
  const tmp = (dir: string): void => {
    if (!listed.some((l) => isInside(dir, l))) out.push({ dir, accounts: false });
  };
  tmp(d.defaultTmpDir);
  for (const rule of rules) {
    const allowed = usable.has(rule.id);
    const scope = rule.isSend ? sendScope(rule, server, d) : receiveScope(rule, server, d);
    if (scope.perAccount) out.push({ dir: scope.dir, accounts: true, ...(allowed ? { own: login } : {}) });
    else if (rule.isSend && !allowed) out.push({ dir: scope.dir, accounts: false, offered: true });
    if (!rule.isSend && isFolderSafe(login)) tmp(serverTmpDir(ruleForAccount(rule, login), server, d));
  }
  return out;
}

/**
 * Whether `path` (a directory when `isDir`) lies in one of `areas`; `owned`: the account sees
 * only its own files there (offered areas do not apply).
 */
export function isHidden(path: string, isDir: boolean, areas: readonly HiddenArea[], owned = false): boolean {
  for (const a of areas) {
    if ((owned && a.offered === true) || !isInside(a.dir, path)) continue;
    if (!a.accounts) return true;
    const below = path
      .slice(a.dir.length)
      .split(sep)
      .filter((s) => s !== '');
    if (below.length === 0 || below[0] === a.own) continue;
    if (below.length >= 2 || isDir) return true;
  }
  return false;
}

/** Every folder partners of a server list: no partial file may ever lie inside one. */
export function listedFolders(rules: readonly Rule[], server: ServerDirs, d: DefaultDirs): string[] {
  return rules.map((r) => (r.isSend ? sendScope(r, server, d) : receiveScope(r, server, d)).dir);
}

/**
 * The temporary file of an upload: predictable from the row alone (destination name and its
 * `remoteTransferId`, known before the row is written, so the row names its tmp file from its
 * first write), so any node can find it again; unique per transfer, so two uploads never share bytes.
 */
export function tmpFileName(destFilename: string, key: string | number): string {
  return `${destFilename}.${key}.part`;
}

// ---- the virtual tree -------------------------------------------------------------------

/** Thrown for a path that can never be valid (NUL byte). */
export class BadPathError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BadPathError';
  }
}

/**
 * A protocol path as an absolute, normalised virtual path: relative paths are taken from the
 * root, `.` and `..` are folded (`..` never climbs above `/`), trailing slashes dropped.
 */
export function normalizeVirtual(path: string): string {
  if (path.includes('\0')) throw new BadPathError('path contains a NUL byte');
  return posix.resolve('/', path === '' ? '.' : path);
}

function segmentsOf(path: string): string[] {
  return path.split('/').filter((s) => s !== '' && s !== '.');
}

/** A rule's path as segments (leading `/` ignored; empty means the rule name, as the reference). */
export function ruleSegments(rule: Pick<Rule, 'path' | 'name'>): string[] {
  const segs = segmentsOf(rule.path);
  return segs.length > 0 ? segs : segmentsOf(rule.name);
}

export interface RuleMatch {
  readonly rule: Rule;
  /** Path inside the rule's directories (posix, no `..`); '' for the rule's root. */
  readonly rel: string;
}

export type Direction = 'send' | 'receive';

/**
 * The rule a virtual path falls in: the longest rule path that is a prefix of it on segment
 * boundaries, preferring a send rule for reads and a receive rule for writes when both
 * directions share that path. Undefined when no rule covers the path (the root, a virtual
 * folder, or nothing).
 */
export function matchRule(
  rules: readonly Rule[],
  virtualPath: string,
  prefer: Direction,
): RuleMatch | undefined {
  const segs = segmentsOf(normalizeVirtual(virtualPath));
  let best: { rule: Rule; len: number } | undefined;
  for (const rule of rules) {
    const rs = ruleSegments(rule);
    if (rs.length === 0 || rs.length > segs.length) continue;
    if (!rs.every((s, i) => segs[i] === s)) continue;
    const better =
      best === undefined ||
      rs.length > best.len ||
      (rs.length === best.len && rule.isSend === (prefer === 'send') && best.rule.isSend !== rule.isSend);
    if (better) best = { rule, len: rs.length };
  }
  if (best === undefined) return undefined;
  return { rule: best.rule, rel: segs.slice(best.len).join('/') };
}

/**
 * The virtual folder at `virtualPath`: the sorted, de-duplicated names of the next segments of
 * the rules below it; undefined when the path is not a virtual folder (it is inside a rule, or
 * leads nowhere). The root is always a folder, even with no rule.
 */
export function virtualChildren(rules: readonly Rule[], virtualPath: string): string[] | undefined {
  const segs = segmentsOf(normalizeVirtual(virtualPath));
  const names = new Set<string>();
  for (const rule of rules) {
    const rs = ruleSegments(rule);
    if (rs.length <= segs.length) continue;
    if (segs.every((s, i) => rs[i] === s)) names.add(rs[segs.length] ?? '');
  }
  names.delete('');
  if (names.size === 0 && segs.length > 0) return undefined;
  return [...names].sort();
}

/** True when `path` is `root` or inside it (both absolute and normalised). */
export function isInside(root: string, path: string): boolean {
  if (path === root) return true;
  const prefix = root.endsWith(sep) ? root : root + sep;
  return path.startsWith(prefix);
}

/**
 * Joins a rule-relative path to a real directory, refusing anything that would leave it
 * (absolute parts, `..`). Symbolic links are checked separately, against the real file system.
 */
export function joinInside(root: string, rel: string): string {
  if (rel.includes('\0')) throw new BadPathError('path contains a NUL byte');
  const base = resolve(root);
  const full = resolve(base, '.' + sep + rel);
  if (!isInside(base, full)) throw new BadPathError(`"${rel}" is outside its directory`);
  return full;
}
