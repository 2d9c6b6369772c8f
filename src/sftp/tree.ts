/**
 * What a partner changes in its folders besides transferring files: mkdir, rmdir, remove,
 * rename (SFTP v3, never over a file; posix-rename@openssh.com, replacing), setstat. The rule
 * decides which of these its partners may do (`allowedChanges`); in an isolated receive folder
 * a partner changes only its own entries. Every attempt inside a rule is in the audit trail:
 * account, source address, node, rule, paths, time, done or refused and why.
 */
import { lstat, mkdir, rename, rmdir, unlink } from 'node:fs/promises';
import type { AuditResult } from '../db/stores/audit.js';
import type { GatewayContext } from '../gateway/context.js';
import type { Logger } from '../log.js';
import type { TreeChange } from '../model/tree-changes.js';
import { allowedChanges } from '../model/tree-changes.js';
import type { AttrChange } from '../transfer/attributes.js';
import { applyAttrs, checkChange, hasEffect } from '../transfer/attributes.js';
import { isStale } from '../transfer/ownership.js';
import { normalizeVirtual } from '../transfer/paths.js';
import type { ServerPeer } from '../transfer/server-transfer.js';
import { STATUS_CODE } from './ssh2.js';
import { failure, permissionDenied, statusOf } from './status.js';
import type { Found, InRule, VirtualFs } from './vfs.js';
import { isolated } from './vfs.js';

const what: Record<TreeChange, string> = {
  mkdir: 'create folders',
  rmdir: 'remove folders',
  remove: 'delete files',
  rename: 'rename files',
  setstat: 'change times or permissions',
};

interface Attempt {
  readonly op: TreeChange;
  readonly path: string;
  readonly target?: string;
  readonly details?: Record<string, unknown>;
  /** Set as soon as the path is known to be inside a rule (only those are recorded). */
  r?: InRule;
  real?: string;
}

const deniedCode: number = STATUS_CODE.PERMISSION_DENIED;

const exists = (path: string): Promise<boolean> =>
  lstat(path).then(
    () => true,
    () => false,
  );

export class TreeChanges {
  constructor(
    private readonly ctx: GatewayContext,
    private readonly peer: ServerPeer,
    private readonly vfs: VirtualFs,
    private readonly log: Logger,
  ) {}

  mkdir(path: string): Promise<void> {
    return this.#audited({ op: 'mkdir', path }, async (a) => {
      const r = await this.vfs.resolve(path, 'receive');
      if (r.kind === 'virtual' || r.rel === '') throw failure(`${r.path}: already exists`);
      a.r = r;
      this.#allow(r, 'mkdir');
      const real = await this.vfs.realPath(r);
      a.real = real;
      await mkdir(real, { mode: this.ctx.config.paths.directoryPermissions });
      if (this.#isolated(r))
        await this.ctx.stores.partnerFiles.claim(real, this.peer.account.id, {
          isDir: true,
          transferId: null,
          now: this.ctx.now(),
        });
    });
  }

  rmdir(path: string): Promise<void> {
    return this.#audited({ op: 'rmdir', path }, async (a) => {
      const f = await this.#find(a);
      if (!f.isDir) throw failure(`${f.r.path}: not a directory`);
      if (f.r.rel === '') throw permissionDenied(`${f.r.path}: the folder of a rule cannot be removed`);
      this.#allow(f.r, 'rmdir');
      if (this.#isolated(f.r) && !(await this.#mine(f.real)))
        throw permissionDenied(`${f.r.path}: this folder was not made by this account`);
      await rmdir(f.real);
      if (this.#isolated(f.r)) await this.ctx.stores.partnerFiles.release([f.real]);
    });
  }

  remove(path: string): Promise<void> {
    return this.#audited({ op: 'remove', path }, async (a) => {
      const f = await this.#find(a);
      if (f.r.rel === '') throw permissionDenied(`${f.r.path}: the folder of a rule cannot be deleted`);
      if (f.isDir) throw failure(`${f.r.path}: is a directory (use rmdir)`);
      this.#allow(f.r, 'remove');
      this.#notReceiving(f);
      await unlink(f.real);
      if (this.#isolated(f.r)) await this.ctx.stores.partnerFiles.release([f.real]);
    });
  }

  /** SFTP v3 RENAME never replaces an existing file; posix-rename@openssh.com does (atomically). */
  rename(from: string, to: string, replace: boolean): Promise<void> {
    return this.#audited({ op: 'rename', path: from, target: to, details: { replace } }, async (a) => {
      const src = await this.#find(a);
      this.#allow(src.r, 'rename');
      this.#notReceiving(src);
      const dst = await this.vfs.resolve(to, src.r.rule.isSend ? 'send' : 'receive');
      if (dst.kind === 'virtual' || dst.rel === '' || dst.rule.id !== src.r.rule.id)
        throw permissionDenied(`${dst.path}: files can only be renamed inside the folder of one rule`);
      if (src.r.rel === '') throw permissionDenied(`${src.r.path}: the folder of a rule cannot be renamed`);
      const isolated = this.#isolated(src.r);
      if (isolated && src.isDir)
        throw permissionDenied(
          `${src.r.path}: folders cannot be renamed in a folder that keeps partners apart`,
        );
      const target = await this.vfs.realPath(dst);
      if (await this.vfs.receiving(dst))
        throw failure(`${dst.path}: a file of this name is being received: it cannot be replaced now`);
      if (isolated) await this.#targetFree(dst, target);
      if (await exists(target)) {
        if (!replace) throw failure(`${dst.path}: file exists`);
        if ((await lstat(target)).isDirectory()) throw failure(`${dst.path}: is a directory`);
      }
      await rename(src.real, target);
      if (isolated) await this.ctx.stores.partnerFiles.move(src.real, target);
    });
  }

  /** SETSTAT on a path (an upload in progress of this account keeps it for its final file). */
  setstat(path: string, change: AttrChange): Promise<void> {
    return this.#audited({ op: 'setstat', path, details: { ...change } }, async (a) => {
      const f = await this.#find(a);
      this.#allow(f.r, 'setstat');
      if (f.upload !== undefined) {
        if (f.upload.live === undefined)
          throw failure(`${f.r.path}: this file is being received through another session or node`);
        f.upload.live.setAttrs(change);
        return;
      }
      if (f.r.rel === '' && hasEffect(change))
        throw permissionDenied(`${f.r.path}: the folder of a rule cannot be changed`);
      if (f.isDir && this.#isolated(f.r) && !(await this.#mine(f.real)))
        throw permissionDenied(`${f.r.path}: this folder was not made by this account`);
      checkChange(change, f.isDir ? undefined : (await lstat(f.real)).size);
      const { filePermissions, directoryPermissions } = this.ctx.config.paths;
      await applyAttrs(f.real, change, { file: filePermissions, dir: directoryPermissions });
    });
  }

  /** SETSTAT through a handle opened for reading: a change to a file offered for download. */
  setstatOpenFile(r: InRule, real: string, change: AttrChange): Promise<void> {
    return this.#audited({ op: 'setstat', path: r.path, details: { ...change }, r, real }, async () => {
      this.#allow(r, 'setstat');
      checkChange(change, (await lstat(real)).size);
      const { filePermissions, directoryPermissions } = this.ctx.config.paths;
      await applyAttrs(real, change, { file: filePermissions, dir: directoryPermissions });
    });
  }

  // ---- checks ---------------------------------------------------------------------------

  /**
   * The entry the change is about. A change the rule forbids is refused as such, whether or
   * not the entry exists (the partner learns why, not what is there).
   */
  async #find(a: Attempt): Promise<Found> {
    const r = await this.vfs.resolve(a.path, 'send');
    if (r.kind === 'rule') {
      const other = await this.vfs.otherSide(r);
      if (other === undefined || !allowedChanges(other.rule).includes(a.op)) {
        a.r = r;
        this.#allow(r, a.op);
      }
    }
    const f = await this.vfs.find(a.path);
    if ('kind' in f) throw permissionDenied(`${a.path}: a virtual folder cannot be changed`);
    a.r = f.r;
    a.real = f.real;
    return f;
  }

  #allow(r: InRule, op: TreeChange): void {
    if (allowedChanges(r.rule).includes(op)) return;
    const side = r.rule.isSend ? 'a folder for downloads' : 'a folder for uploads';
    throw permissionDenied(
      `${r.path}: partners may not ${what[op]} here (${side}: rule "${r.rule.name}" does not allow ${op})`,
    );
  }

  #isolated(r: InRule): boolean {
    return isolated(r.rule);
  }

  async #mine(real: string): Promise<boolean> {
    return (await this.ctx.stores.partnerFiles.ownerOf(real))?.accountId === this.peer.account.id;
  }

  #notReceiving(f: Found): void {
    if (f.upload !== undefined)
      throw failure(`${f.r.path}: this file is being received: finish or resume its upload first`);
  }

  /** In an isolated folder a name belongs to whoever delivered it first. */
  async #targetFree(dst: InRule, target: string): Promise<void> {
    const o = await this.ctx.stores.partnerFiles.ownerOf(target);
    if (o === undefined) {
      if (await exists(target))
        throw permissionDenied(`${dst.path}: this name is used by a file that is not this account's`);
      return;
    }
    if (o.accountId === this.peer.account.id || (await isStale(this.ctx, target, o))) return;
    throw permissionDenied(`${dst.path}: this name is used by the file of another account`);
  }

  // ---- the audit trail --------------------------------------------------------------------

  async #audited(a: Attempt, fn: (a: Attempt) => Promise<void>): Promise<void> {
    try {
      await fn(a);
    } catch (err) {
      const s = statusOf(err);
      await this.#record(a, s.code === deniedCode ? 'refused' : 'failed', s.message);
      throw err;
    }
    await this.#record(a, 'done', '');
  }

  async #record(a: Attempt, result: AuditResult, reason: string): Promise<void> {
    const r = a.r;
    if (r === undefined) return;
    try {
      await this.ctx.stores.audit.record({
        at: this.ctx.now(),
        node: this.ctx.nodeName,
        protocol: 'sftp',
        server: this.peer.server.name,
        account: this.peer.account.login,
        remoteAddress: this.peer.remoteAddress,
        rule: r.rule.name,
        isSend: r.rule.isSend,
        operation: a.op,
        path: r.path,
        target: a.target === undefined ? '' : normalizeVirtual(a.target),
        localPath: a.real ?? '',
        result,
        reason,
        details: a.details ?? {},
      });
    } catch (err) {
      this.log.error({ err, op: a.op, path: a.path, result }, 'cannot record a change in the audit trail');
    }
  }
}
