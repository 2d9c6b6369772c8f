/**
 * The tree a partner sees: a virtual root with one folder per first path segment of the rules
 * its account may use, and under each rule the rule's real directory. Every real path goes
 * through resolveInside (links followed and checked), so nothing outside a rule's directories
 * is ever reached.
 */
import { lstat, readdir, stat } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import type { GatewayContext } from '../gateway/context.js';
import type { Rule } from '../model/entities.js';
import { resolveInside } from '../transfer/jail.js';
import type { Direction } from '../transfer/paths.js';
import { matchRule, normalizeVirtual, virtualChildren } from '../transfer/paths.js';
import type { ServerPeer } from '../transfer/server-transfer.js';
import type { ServerTransfers } from '../transfer/server-transfers.js';
import { attrsOf, fileAttrs, virtualDirAttrs } from './attrs.js';
import type { Attributes } from './ssh2.js';
import { failure, noSuchFile, permissionDenied } from './status.js';

export type Resolved =
  | { readonly kind: 'virtual'; readonly path: string; readonly children: string[] }
  | { readonly kind: 'rule'; readonly path: string; readonly rule: Rule; readonly rel: string };

export interface DirEntry {
  readonly name: string;
  readonly attrs: Attributes;
}

/** Rules are re-read at most this often per session (a listing asks many questions at once). */
const rulesTtlMs = 1000;

export class VirtualFs {
  #rules: { at: number; allowed: Rule[]; all: Rule[] } | undefined;

  constructor(
    private readonly ctx: GatewayContext,
    private readonly peer: ServerPeer,
    private readonly transfers: ServerTransfers,
  ) {}

  /** The rules this account may use, and all rules (to tell "forbidden" from "nothing"). */
  async rules(): Promise<{ allowed: Rule[]; all: Rule[] }> {
    const now = Date.now();
    if (this.#rules !== undefined && now - this.#rules.at < rulesTtlMs) return this.#rules;
    const all = await this.ctx.stores.rules.all();
    const account = { kind: 'localAccount', id: this.peer.account.id } as const;
    const server = { kind: 'server', id: this.peer.server.id } as const;
    const allowed: Rule[] = [];
    for (const rule of all)
      if (await this.ctx.stores.rules.isAuthorized(rule.id, account, server)) allowed.push(rule);
    this.#rules = { at: now, allowed, all };
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
  realPath(r: Extract<Resolved, { kind: 'rule' }>): Promise<string> {
    return resolveInside(this.ruleDir(r.rule), r.rel, {
      create: true,
      mode: this.ctx.config.paths.directoryPermissions,
    });
  }

  /**
   * Attributes of a path. The target of an unfinished upload reports the bytes already
   * received, so `reput` / `put -a` continue from there (the reference reports nothing).
   */
  async stat(path: string): Promise<Attributes> {
    const now = this.ctx.now();
    const r = await this.resolve(path, 'send');
    if (r.kind === 'virtual') return virtualDirAttrs(now);
    if (r.rel !== '') {
      const upload = await this.#unfinished(r.path);
      if (upload !== undefined) return fileAttrs(upload, now);
    }
    return attrsOf(await stat(await this.realPath(r)));
  }

  async #unfinished(v: string): Promise<number | undefined> {
    const { allowed } = await this.rules();
    const m = matchRule(allowed, v, 'receive');
    if (m === undefined || m.rule.isSend || m.rel === '') return undefined;
    return this.transfers.unfinishedUpload(this.peer, m.rule, m.rel);
  }

  /** Entries of a folder, virtual or real (links leading outside the rule are left out). */
  async list(path: string): Promise<DirEntry[]> {
    const now = this.ctx.now();
    const r = await this.resolve(path, 'send');
    if (r.kind === 'virtual') return r.children.map((name) => ({ name, attrs: virtualDirAttrs(now) }));
    const dir = await this.realPath(r);
    const st = await stat(dir);
    if (!st.isDirectory()) throw failure(`${r.path}: not a directory`);
    const names = await readdir(dir);
    const entries: DirEntry[] = [];
    for (const name of names.sort()) {
      const s = await this.#entryStat(r, dir, name);
      if (s !== undefined) entries.push({ name, attrs: attrsOf(s) });
    }
    return entries;
  }

  async #entryStat(
    r: Extract<Resolved, { kind: 'rule' }>,
    dir: string,
    name: string,
  ): Promise<Stats | undefined> {
    try {
      const ls = await lstat(`${dir}/${name}`);
      if (!ls.isSymbolicLink()) return ls;
      const rel = r.rel === '' ? name : `${r.rel}/${name}`;
      return await stat(await resolveInside(this.ruleDir(r.rule), rel));
    } catch {
      return undefined;
    }
  }

  /**
   * An existing entry for remove/rename: looked up as listed (send rule first), then in the
   * other direction's directory when both directions share the path.
   */
  async existing(path: string): Promise<{ r: Extract<Resolved, { kind: 'rule' }>; real: string }> {
    let first: unknown;
    for (const prefer of ['send', 'receive'] as const) {
      const r = await this.resolve(path, prefer);
      if (r.kind === 'virtual' || r.rel === '')
        throw permissionDenied(`${r.path}: cannot change a rule folder`);
      const real = await this.realPath(r);
      try {
        await lstat(real);
        return { r, real };
      } catch (err) {
        first ??= err;
      }
    }
    throw first;
  }
}
