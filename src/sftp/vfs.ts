/**
 * The tree a partner sees: a virtual root with one folder per first path segment of the rules
 * its account may use, and under each rule the rule's real directory, as this account sees it:
 *
 *  - in an isolated receive folder (`sharedFolder` off), only the files it delivered (and every
 *    sub-folder); its uploads in progress under their final names;
 *  - never what a send rule it may not use offers, other accounts' `#ACCOUNT#` folders, or a
 *    tmp folder of partial files (paths.ts `hiddenAreas`).
 *
 * Every real path goes through resolveInside (links followed and checked), so nothing outside a
 * rule's directories is ever reached.
 */
import { lstat, readdir, stat } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import { join } from 'node:path';
import type { GatewayContext } from '../gateway/context.js';
import type { Rule } from '../model/entities.js';
import { resolveInside } from '../transfer/jail.js';
import type { Direction, HiddenArea } from '../transfer/paths.js';
import {
  hiddenAreas,
  isHidden,
  listedFolders,
  matchRule,
  normalizeVirtual,
  virtualChildren,
} from '../transfer/paths.js';
import type { ServerPeer } from '../transfer/server-transfer.js';
import type { ServerTransfers } from '../transfer/server-transfers.js';
import type { UploadTransfer } from '../transfer/upload.js';
import { mapLimit } from '../util/map-limit.js';
import { attrsOf, fileAttrs, virtualDirAttrs } from './attrs.js';
import type { Attributes } from './ssh2.js';
import { failure, noSuchFile, permissionDenied } from './status.js';

export type Resolved =
  | { readonly kind: 'virtual'; readonly path: string; readonly children: string[] }
  | { readonly kind: 'rule'; readonly path: string; readonly rule: Rule; readonly rel: string };
export type InRule = Extract<Resolved, { kind: 'rule' }>;

export interface DirEntry {
  readonly name: string;
  readonly attrs: Attributes;
}

/** An entry the account sees: where it is and what it is. */
export interface Found {
  readonly r: InRule;
  readonly real: string;
  readonly isDir: boolean;
  /** An upload of the account in progress under this name (nothing on disk yet, or the old file). */
  readonly upload: { readonly received: number; readonly live: UploadTransfer | undefined } | undefined;
}

interface RuleView {
  readonly at: number;
  readonly allowed: Rule[];
  readonly all: Rule[];
  readonly hidden: HiddenArea[];
  readonly listed: string[];
}

/** Rules are re-read at most this often per session (a listing asks many questions at once). */
const rulesTtlMs = 1000;

/** lstat calls in flight while listing a folder (a few per thread of libuv's pool). */
const statsInFlight = 16;

/** A receive folder where each account sees only what it delivered. */
export const isolated = (rule: Rule): boolean => !rule.isSend && !rule.sharedFolder;

const asError = (err: unknown): Error => (err instanceof Error ? err : new Error(String(err)));

const notFound = (err: unknown): boolean => {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR';
};

export class VirtualFs {
  #rules: RuleView | undefined;

  constructor(
    private readonly ctx: GatewayContext,
    private readonly peer: ServerPeer,
    private readonly transfers: ServerTransfers,
  ) {}

  /** The rules this account may use, all rules (to tell "forbidden" from "nothing"), what it may not see. */
  async rules(): Promise<RuleView> {
    const now = Date.now();
    if (this.#rules !== undefined && now - this.#rules.at < rulesTtlMs) return this.#rules;
    const all = await this.ctx.stores.rules.all();
    const account = { kind: 'localAccount', id: this.peer.account.id } as const;
    const server = { kind: 'server', id: this.peer.server.id } as const;
    const allowed: Rule[] = [];
    for (const rule of all)
      if (await this.ctx.stores.rules.isAuthorized(rule.id, account, server)) allowed.push(rule);
    const d = this.ctx.config.paths;
    const usable = new Set(allowed.map((r) => r.id));
    this.#rules = {
      at: now,
      allowed,
      all,
      hidden: hiddenAreas(all, usable, this.peer.account.login, this.peer.server, d),
      listed: listedFolders(all, this.peer.server, d),
    };
    return this.#rules;
  }

  /** What a path is: a virtual folder or a place inside a rule (throws if neither). */
  async resolve(path: string, prefer: Direction): Promise<Resolved> {
    const v = normalizeVirtual(path);
    const { allowed, all } = await this.rules();
    const m = matchRule(allowed, v, prefer);
    if (m !== undefined) return { kind: 'rule', path: v, rule: m.rule, rel: m.rel };
    if (matchRule(all, v, prefer) !== undefined)
      throw permissionDenied(`${v}: this account may not use that rule`);
    const children = virtualChildren(allowed, v);
    if (children !== undefined) return { kind: 'virtual', path: v, children };
    throw noSuchFile(`${v}: no such file or directory`);
  }

  /** The real directory a rule shows: the send directory, or the final receive directory. */
  ruleDir(rule: Rule): string {
    const dirs = this.transfers.dirs(rule, this.peer);
    return rule.isSend ? dirs.send : dirs.receive;
  }

  /** The real path of a place inside a rule (the rule's directory is created on first use). */
  async realPath(r: InRule): Promise<string> {
    const { hidden } = await this.rules();
    const root = this.ruleDir(r.rule);
    const owned = isolated(r.rule);
    if (isHidden(root, true, hidden, owned))
      throw permissionDenied(
        `${r.path}: the folder of this rule is also the folder of a rule this account may not use`,
      );
    const real = await resolveInside(root, r.rel, {
      create: true,
      mode: this.ctx.config.paths.directoryPermissions,
    });
    if (isHidden(real, false, hidden, owned)) throw noSuchFile(`${r.path}: no such file or directory`);
    return real;
  }

  /** The other rule of a two-way path (a send and a receive rule sharing it), if any. */
  async otherSide(r: InRule): Promise<InRule | undefined> {
    const { allowed } = await this.rules();
    const m = matchRule(allowed, r.path, r.rule.isSend ? 'receive' : 'send');
    if (m === undefined || m.rule.isSend === r.rule.isSend) return undefined;
    return { kind: 'rule', path: r.path, rule: m.rule, rel: m.rel };
  }

  /** Whether an upload of this account is in progress under that name. */
  async receiving(r: InRule): Promise<boolean> {
    if (r.rule.isSend || r.rel === '') return false;
    return (await this.transfers.unfinishedUpload(this.peer, r.rule, r.rel)) !== undefined;
  }

  /** Every folder partners list: a tmp file must never lie in one. */
  async listed(): Promise<string[]> {
    return (await this.rules()).listed;
  }

  /**
   * The entry at `path` as this account sees it: the send side first, then the receive side
   * of the same path. Throws NO_SUCH_FILE when it sees nothing there.
   */
  async find(path: string): Promise<Found | { kind: 'virtual' }> {
    const r = await this.resolve(path, 'send');
    if (r.kind === 'virtual') return { kind: 'virtual' };
    const sides = [r, await this.otherSide(r)].filter((x): x is InRule => x !== undefined);
    // An upload of the account in progress comes first, even over an older file of the send
    // side: it is what `reput` must see.
    const receiving = sides.find((x) => !x.rule.isSend && x.rel !== '');
    const upload =
      receiving && (await this.transfers.unfinishedUpload(this.peer, receiving.rule, receiving.rel));
    if (receiving !== undefined && upload !== undefined)
      return { r: receiving, real: await this.realPath(receiving), isDir: false, upload };
    let denied: Error | undefined;
    for (const side of sides) {
      try {
        const found = await this.#see(side);
        if (found !== undefined) return found;
      } catch (err) {
        denied ??= asError(err);
      }
    }
    throw denied ?? noSuchFile(`${r.path}: no such file or directory`);
  }

  /** Attributes of a path (an upload in progress: the bytes received so far). */
  async stat(path: string): Promise<Attributes> {
    const now = this.ctx.now();
    const f = await this.find(path);
    if ('kind' in f) return virtualDirAttrs(now);
    if (f.upload !== undefined) return uploadAttrs(f.upload, now);
    return attrsOf(await stat(f.real));
  }

  /** Entries of a folder, virtual or real, as this account sees them. */
  async list(path: string): Promise<DirEntry[]> {
    const now = this.ctx.now();
    const r = await this.resolve(path, 'send');
    if (r.kind === 'virtual') return r.children.map((name) => ({ name, attrs: virtualDirAttrs(now) }));
    const byName = new Map<string, DirEntry>();
    let listedOne = false;
    let first: Error | undefined;
    for (const side of [r, await this.otherSide(r)]) {
      if (side === undefined) continue;
      try {
        for (const e of await this.#listSide(side)) if (!byName.has(e.name)) byName.set(e.name, e);
        listedOne = true;
      } catch (err) {
        first ??= asError(err);
      }
    }
    if (!listedOne) throw first ?? noSuchFile(`${r.path}: no such file or directory`);
    return [...byName.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  // ---- one side of a path -----------------------------------------------------------------

  /** What the account sees on disk at `r` on that rule's side; undefined when nothing. */
  async #see(r: InRule): Promise<Found | undefined> {
    const real = await this.realPath(r);
    let st: Stats;
    try {
      st = await stat(real);
    } catch (err) {
      if (notFound(err)) return undefined;
      throw err;
    }
    const { hidden } = await this.rules();
    if (st.isDirectory())
      return isHidden(real, true, hidden, isolated(r.rule))
        ? undefined
        : { r, real, isDir: true, upload: undefined };
    if (!(await this.#owns(r.rule, real))) return undefined;
    return { r, real, isDir: false, upload: undefined };
  }

  /** Whether the account may see a file of an isolated receive folder: it delivered it. */
  async #owns(rule: Rule, real: string): Promise<boolean> {
    if (!isolated(rule)) return true;
    const o = await this.ctx.stores.partnerFiles.ownerOf(real);
    return o?.accountId === this.peer.account.id;
  }

  async #listSide(r: InRule): Promise<DirEntry[]> {
    const now = this.ctx.now();
    const dir = await this.realPath(r);
    const st = await stat(dir).catch((err: unknown) => {
      if (notFound(err) && r.rel !== '') throw noSuchFile(`${r.path}: no such file or directory`);
      throw err;
    });
    if (!st.isDirectory()) throw failure(`${r.path}: not a directory`);
    const { hidden } = await this.rules();
    const owned = isolated(r.rule);
    const owners = owned ? await this.ctx.stores.partnerFiles.ownersIn(dir) : undefined;
    const me = this.peer.account.id;
    const entries: DirEntry[] = [];
    const names = await readdir(dir);
    // One lstat after the other waits a thread-pool round trip each: keep the pool busy instead.
    const stats = await mapLimit(names, statsInFlight, (name) => this.#entryStat(r, dir, name));
    for (const [i, name] of names.entries()) {
      const s = stats[i];
      if (s === undefined || isHidden(join(dir, name), s.isDirectory(), hidden, owned)) continue;
      if (owners !== undefined && !s.isDirectory() && owners.get(name)?.accountId !== me) continue;
      entries.push({ name, attrs: attrsOf(s) });
    }
    if (!r.rule.isSend) {
      // The account's uploads in progress, under their final names.
      const prefix = r.rel === '' ? '' : `${r.rel}/`;
      for (const t of await this.ctx.stores.transfers.unfinishedServerTransfers(me, r.rule.id)) {
        const name = t.destFilename.slice(prefix.length);
        const upload = await this.transfers.uploadState(t);
        if (!t.destFilename.startsWith(prefix) || name.includes('/') || upload === undefined) continue;
        const i = entries.findIndex((e) => e.name === name);
        const e = { name, attrs: uploadAttrs(upload, now) };
        if (i >= 0) entries[i] = e;
        else entries.push(e);
      }
    }
    return entries;
  }

  async #entryStat(r: InRule, dir: string, name: string): Promise<Stats | undefined> {
    try {
      const ls = await lstat(`${dir}/${name}`);
      if (!ls.isSymbolicLink()) return ls;
      const rel = r.rel === '' ? name : `${r.rel}/${name}`;
      return await stat(await resolveInside(this.ruleDir(r.rule), rel));
    } catch {
      return undefined;
    }
  }
}

/** An upload in progress: the bytes received, and the times and mode set on it so far. */
function uploadAttrs(u: NonNullable<Found['upload']>, now: number): Attributes {
  const a = fileAttrs(u.received, now);
  const set = u.live?.attrs;
  if (set === undefined) return a;
  return {
    ...a,
    ...(set.mode === undefined ? {} : { mode: (a.mode & ~0o7777) | (set.mode & 0o777) }),
    ...(set.atime === undefined ? {} : { atime: set.atime }),
    ...(set.mtime === undefined ? {} : { mtime: set.mtime }),
  };
}
