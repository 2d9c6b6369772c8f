/**
 * Opens server transfers for any protocol module: checks the per-node limit, continues the
 * unfinished record of a file (claiming it, waiting for a lapsing lease if another node held
 * it) or creates one, and hands back a running upload or download. Downloads are recorded from
 * their first read, one record per file read at once by an account on this node.
 */
import { randomUUID } from 'node:crypto';
import { constants } from 'node:fs';
import { copyFile, mkdir, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { NewTransfer } from '../db/stores/transfers.js';
import type { GatewayContext } from '../gateway/context.js';
import type { Rule, Transfer } from '../model/entities.js';
import { stepRank, TransferError } from '../model/transfer-state.js';
import { ContiguousRange } from './contiguous.js';
import type { FileIdentity } from './download.js';
import { DownloadTransfer, identityOf, sameIdentity, sentOf } from './download.js';
import { resolveInside } from './jail.js';
import { MemoryBudget } from './memory-budget.js';
import { Ownership } from './ownership.js';
import {
  chooseTmpDir,
  ruleForAccount,
  serverReceiveDir,
  serverSendDir,
  serverTmpDir,
  tmpFileName,
} from './paths.js';
import type { ServerPeer } from './server-transfer.js';
import { toTransferError } from './server-transfer.js';
import type { TaskState } from './tasks/types.js';
import { UploadTransfer } from './upload.js';

/** Size of the regular file at `path`; undefined when there is none (a folder is refused). */
async function fileSize(path: string): Promise<number | undefined> {
  try {
    const st = await stat(path);
    if (st.isDirectory()) throw new TransferError('TeForbidden', 'a folder has this name');
    return st.size;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw err;
  }
}

export interface UploadRequest {
  readonly peer: ServerPeer;
  readonly rule: Rule;
  /** File name inside the rule (may hold sub-folders). */
  readonly rel: string;
  /** The partner asked to start over (SFTP TRUNC): progress 0, tmp emptied. */
  readonly truncate: boolean;
  /** SFTP APPEND: every write lands at the end of the file. */
  readonly append: boolean;
  /** SFTP EXCL: the file must not exist yet. */
  readonly exclusive: boolean;
  /** SFTP CREAT: the file may be created (without it, it must exist). */
  readonly create: boolean;
  /** Announced size, if any. */
  readonly sizeHint?: number;
  /** Every folder partners list (the tmp file must lie outside all of them). */
  readonly listed: readonly string[];
}

export interface DownloadRequest {
  readonly peer: ServerPeer;
  readonly rule: Rule;
  readonly rel: string;
}

/** A file a partner opened for reading: checked at the open, its record made at the first read. */
export interface DownloadSource extends DownloadRequest {
  readonly path: string;
  readonly identity: FileIdentity;
}

export interface RuleDirs {
  readonly send: string;
  readonly receive: string;
  readonly tmp: string;
}

const resumable = new Set(['RUNNING', 'INTERRUPTED', 'ERROR', 'AVAILABLE']);

interface LiveDownload {
  readonly identity: FileIdentity;
  readonly transfer: Promise<DownloadTransfer>;
}

export class ServerTransfers {
  #opening = 0;
  /** Upload bytes received by this node and not yet on disk (`[controller] UploadBuffer`). */
  readonly uploadBuffer: MemoryBudget;
  /** The downloads this node runs, by account, rule and file: later readers join them. */
  readonly #downloads = new Map<string, LiveDownload>();

  constructor(private readonly ctx: GatewayContext) {
    const high = ctx.config.controller.uploadBufferBytes;
    this.uploadBuffer = new MemoryBudget(high, Math.floor(high / 2));
  }

  /** The real directories of a rule on a server, for one account (`#ACCOUNT#`). */
  dirs(rule: Rule, peer: Pick<ServerPeer, 'server' | 'account'>): RuleDirs {
    const d = this.ctx.config.paths;
    const r = ruleForAccount(rule, peer.account.login);
    return {
      send: serverSendDir(r, peer.server, d),
      receive: serverReceiveDir(r, peer.server, d),
      tmp: serverTmpDir(r, peer.server, d),
    };
  }

  /**
   * The unfinished upload of that file, if any (its bytes received are what a `stat` of the
   * target answers, so that `reput` continues from there); the live transfer when it runs here.
   */
  async unfinishedUpload(
    peer: ServerPeer,
    rule: Rule,
    rel: string,
  ): Promise<{ received: number; live: UploadTransfer | undefined } | undefined> {
    const t = await this.ctx.stores.transfers.findUnfinishedServerTransfer(peer.account.id, rule.id, rel);
    return t === undefined ? undefined : this.uploadState(t);
  }

  /**
   * What an unfinished upload record has received (live when it runs here); undefined past its
   * data. Not live here, it is what an open would resume from (UploadTransfer.begin): the
   * record's progress, or less when its tmp file holds less (lost on a crash, or moved by a
   * close whose record could not be written). The partner's `reput` resumes from this size:
   * it must never be more than the bytes there. It is also one byte less than those: a resume
   * must always send something, so that it ends with the CLOSE that delivers the file. When
   * every byte arrived but a cut hid the CLOSE (a load balancer ending the session, a node
   * killed), the whole size made OpenSSH's `reput` stop ("same size or larger") and a
   * size-comparing sync skip a file that was never delivered.
   */
  async uploadState(
    t: Transfer,
  ): Promise<{ received: number; live: UploadTransfer | undefined } | undefined> {
    if (stepRank(t.step) > stepRank('StepData')) return undefined;
    const live = this.ctx.running.get(t.id);
    if (live instanceof UploadTransfer) return { received: live.received, live };
    // A record that names its tmp file: no more than that file holds. (A record that failed in
    // its data phase before 6c8d944 named the final path: its tmp file is found by name at the
    // open, from the progress, which is then what it says.)
    const there = t.localPath.endsWith('.part')
      ? Math.min(t.progress, (await fileSize(t.localPath).catch(() => 0)) ?? 0)
      : t.progress;
    return { received: Math.max(0, there - 1), live: undefined };
  }

  async openUpload(req: UploadRequest): Promise<UploadTransfer> {
    const release = this.#reserve();
    try {
      const { ctx } = this;
      // The volume may have gone since the last heartbeat: never start a file where no node sees it.
      const lost = await ctx.volume?.check();
      if (lost !== undefined) throw new TransferError('TeInternal', `this node is not ready: ${lost}`);
      const dirs = this.dirs(req.rule, req.peer);
      const dirMode = ctx.config.paths.directoryPermissions;
      // The final place must be inside the receive directory: refuse a bad name before any row.
      const finalPath = await resolveInside(dirs.receive, req.rel, { create: true, mode: dirMode });
      const existing = await ctx.stores.transfers.findUnfinishedServerTransfer(
        req.peer.account.id,
        req.rule.id,
        req.rel,
      );
      const previous = await fileSize(finalPath);
      if (req.exclusive && (previous !== undefined || existing !== undefined))
        throw new TransferError('TeForbidden', `"${req.rel}" already exists`);
      if (!req.create && previous === undefined && existing === undefined)
        throw new TransferError('TeFileNotFound', `no file "${req.rel}" (open it with CREAT to create it)`);
      const ownership = req.rule.sharedFolder ? undefined : new Ownership(ctx, req.peer, finalPath, req.rel);
      // An existing file must be this account's (the owner of a file being written is known once it has a row).
      if (previous !== undefined) await ownership?.checkExisting();
      const tmpDir = chooseTmpDir([dirs.tmp, ctx.config.paths.defaultTmpDir], req.listed);
      if (tmpDir === undefined)
        throw new TransferError(
          'TeInternal',
          "no folder for partial files outside the folders partners see: set the rule's tmp folder or [paths] DefaultTmpDir elsewhere",
        );
      const claimed = existing === undefined ? undefined : await this.#claim(existing);
      const newTmp = (key: string): Promise<string> =>
        resolveInside(tmpDir, tmpFileName(req.rel, key), { create: true, mode: dirMode });
      let row: Transfer;
      let tmpPath: string;
      let restart = false;
      let keepTmp = false;
      if (claimed === undefined) {
        // The tmp file is named before the row, so that the row names it from its first write.
        const key = randomUUID();
        tmpPath = await newTmp(key);
        row = await this.#create(req, tmpPath, req.sizeHint ?? -1, {}, key);
      } else {
        row = claimed;
        // Data already complete (it failed in post-tasks): the file moved on, receive it again.
        restart = req.truncate || stepRank(row.step) > stepRank('StepData');
        keepTmp = !restart && row.localPath.endsWith('.part');
        tmpPath = keepTmp ? row.localPath : await newTmp(row.remoteTransferId);
      }
      if (previous === undefined && ownership !== undefined) {
        try {
          await ownership.claimNew(row);
        } catch (err) {
          const terr = toTransferError(err);
          await ctx.stores.transfers.fail(
            row.id,
            ctx.nodeName,
            ctx.now(),
            { code: terr.code, details: terr.message },
            null,
          );
          throw terr;
        }
      }
      await mkdir(dirname(tmpPath), { recursive: true, mode: dirMode });
      // Without TRUNC the bytes of the existing file are kept (POSIX): the upload starts from a copy.
      const based = !keepTmp && !req.truncate && previous !== undefined;
      if (based) await copyFile(finalPath, tmpPath, constants.COPYFILE_FICLONE);
      // Tasks see the file where it will be (the tmp name is an internal detail).
      const state = this.#state(req, row, finalPath, { ...dirs, tmp: tmpDir });
      const t = new UploadTransfer(ctx, req.rule, req.peer, row, state);
      ctx.running.add(t);
      release();
      if (claimed !== undefined)
        t.log.info({ restart, progress: row.progress }, 'continuing an unfinished upload');
      await t.begin({
        tmpPath,
        finalDir: dirs.receive,
        resumeFrom: based ? previous : restart ? 0 : row.progress,
        mode: ctx.config.paths.filePermissions,
        append: req.append,
        ...(based ? { previousSize: previous } : {}),
        ...(ownership === undefined ? {} : { owned: ownership }),
        newRow: claimed === undefined,
      });
      return t;
    } finally {
      release();
    }
  }

  /** Checks a file opened for reading: it exists and is a regular file. No record yet. */
  async prepareDownload(req: DownloadRequest): Promise<DownloadSource> {
    const dirs = this.dirs(req.rule, req.peer);
    const path = await resolveInside(dirs.send, req.rel);
    const st = await stat(path).catch((err: unknown) => {
      throw new TransferError('TeFileNotFound', `no file "${req.rel}"`, { cause: err });
    });
    if (!st.isFile()) throw new TransferError('TeFileNotFound', `"${req.rel}" is not a file`);
    return { ...req, path, identity: { size: st.size, mtimeMs: Math.floor(st.mtimeMs) } };
  }

  /**
   * The record a first read of a file makes or joins: the one this node runs for the same
   * account and file, else (a read from a later offset: a resume) the interrupted record of
   * that same file, else a new one. The caller holds it until it calls `release`.
   */
  async startDownload(src: DownloadSource, offset: number): Promise<DownloadTransfer> {
    const key = `${src.peer.account.id}/${src.rule.id}/${src.rel}`;
    const live = this.#downloads.get(key);
    if (live !== undefined && sameIdentity(live.identity, src.identity)) {
      const t = await live.transfer.catch(() => undefined);
      if (t?.hold() === true) return t;
    }
    const transfer = this.#newDownload(src, offset);
    const entry = { identity: src.identity, transfer };
    this.#downloads.set(key, entry);
    const forget = (): void => {
      if (this.#downloads.get(key) === entry) this.#downloads.delete(key);
    };
    transfer.then((t) => void t.finished.finally(forget), forget);
    return transfer;
  }

  /**
   * What other records of the same download sent, merged into `t` (they are discarded): other
   * nodes' segments once they let go, and the record a node was sending when it died (its lease
   * waited for, as at a resume). When `t` began at a later offset (a `reget` that could not
   * continue the cut record) and no other session still sends the file, the partner's offset
   * counts as received too: it holds those bytes, which the merged record sent.
   */
  async mergeParts(t: DownloadTransfer, src: DownloadSource): Promise<ContiguousRange | undefined> {
    const { ctx } = this;
    const store = ctx.stores.transfers;
    const siblings = (await store.unfinishedServerTransfers(src.peer.account.id, src.rule.id)).filter(
      (s) =>
        s.id !== t.id &&
        s.srcFilename === src.rel &&
        (s.status === 'INTERRUPTED' || s.status === 'RUNNING') &&
        sameIdentity(identityOf(s), src.identity),
    );
    if (siblings.length === 0) return undefined;
    const sent = new ContiguousRange();
    let merged = 0;
    let live = 0;
    for (const s of siblings) {
      let claimed = await store.claimOne(s.id, ctx.nodeName, ctx.config.cluster.nodeTimeoutMs);
      if (claimed === undefined && s.status === 'RUNNING' && (await this.#holderSilent(s)))
        claimed = await this.#claim(s, 'give up');
      if (claimed === undefined) {
        live++;
        continue;
      }
      sent.addAll(sentOf(claimed));
      await store.discard(s.id, ctx.nodeName);
      merged++;
      t.log.info({ part: s.id }, 'merged another part of this download into its record');
    }
    if (merged > 0 && live === 0 && t.firstOffset > 0)
      sent.add(0, Math.min(t.firstOffset, src.identity.size));
    return sent;
  }

  async #newDownload(src: DownloadSource, offset: number): Promise<DownloadTransfer> {
    const release = this.#reserve();
    try {
      const { ctx } = this;
      const resumed = offset > 0 ? await this.#resumable(src) : undefined;
      const row = resumed ?? (await this.#createDownload(src));
      const dirs = this.dirs(src.rule, src.peer);
      const state = this.#state(src, row, src.path, dirs);
      const t = new DownloadTransfer(
        ctx,
        src.rule,
        src.peer,
        row,
        state,
        src.identity,
        resumed === undefined ? offset : 0,
      );
      // The partner resumes the record it was cut from at `offset`: it holds every byte before,
      // even those sent after the record's last progress write (a node killed mid-file).
      if (resumed !== undefined) t.partnerHolds(offset);
      t.hold();
      ctx.running.add(t);
      release();
      if (row.progress > 0) t.log.info({ progress: row.progress }, 'continuing an interrupted download');
      await t.begin(resumed === undefined);
      return t;
    } finally {
      release();
    }
  }

  /** The interrupted record of the same file, claimed for this node, if any. */
  async #resumable(src: DownloadSource): Promise<Transfer | undefined> {
    const { ctx } = this;
    const store = ctx.stores.transfers;
    const t = await store.findUnfinishedServerTransfer(src.peer.account.id, src.rule.id, src.rel);
    if (t === undefined || !sameIdentity(identityOf(t), src.identity)) return undefined;
    // A RUNNING record is taken only if its lease has lapsed by the database's clock (claimOne).
    if (t.status !== 'INTERRUPTED' && t.status !== 'RUNNING') return undefined;
    const claimed = await store.claimOne(t.id, ctx.nodeName, ctx.config.cluster.nodeTimeoutMs);
    if (claimed !== undefined || t.status !== 'RUNNING' || !(await this.#holderSilent(t))) return claimed;
    // A `reget` right after the node sending the file died: its lease lapses within a node
    // timeout. Waited for, as an upload waits, rather than a second record that can never be
    // whole. A holder that still beats is another session reading the file now: not waited for.
    return this.#claim(t, 'give up');
  }

  /** Whether the node holding `t` missed its last heartbeat (by the database's clock). */
  async #holderSilent(t: Transfer): Promise<boolean> {
    const { ctx } = this;
    if (t.node === null || t.node === ctx.nodeName) return false;
    const holder = await ctx.stores.nodes.get(t.node);
    return holder === undefined || holder.silentMs > 1.5 * ctx.config.cluster.heartbeatIntervalMs;
  }

  #createDownload(src: DownloadSource): Promise<Transfer> {
    return this.#create(src, src.path, src.identity.size, { sourceMtime: src.identity.mtimeMs });
  }

  /** Takes a slot under `maxTransferIn`; the returned function gives it back (idempotent). */
  #reserve(): () => void {
    const { ctx } = this;
    // A draining node still serves the sessions it has (a batch of puts goes on); it stops
    // starting transfers once its grace is over and those sessions are being closed.
    if (ctx.health.closing) throw new TransferError('TeShuttingDown', 'the node is shutting down');
    // A wrong clock or a lost shared volume: let the partner come back through another node.
    const refused = ctx.health.refusesWork;
    if (refused !== undefined) throw new TransferError('TeInternal', `this node is not ready: ${refused}`);
    const max = ctx.config.controller.maxTransferIn;
    if (max > 0 && ctx.running.count('server') + this.#opening >= max) {
      ctx.log.warn({ component: 'transfer', max }, 'transfer refused: too many transfers on this node');
      throw new TransferError('TeExceededLimit', `too many transfers on this node (limit ${max})`);
    }
    this.#opening++;
    let held = true;
    return () => {
      if (held) this.#opening--;
      held = false;
    };
  }

  /**
   * Claims an unfinished record for this node. One held by a live session (here or on another
   * node) is waited for, at most about a node timeout: a dead node's lease lapses by then.
   */
  async #claim(t: Transfer, atDeadline: 'refuse' | 'give up' = 'refuse'): Promise<Transfer | undefined> {
    const { ctx } = this;
    const store = ctx.stores.transfers;
    const timeout = ctx.config.cluster.nodeTimeoutMs;
    const deadline = Date.now() + timeout + 1000;
    for (;;) {
      const local = ctx.running.get(t.id);
      if (local !== undefined) {
        // A session of ours still holds it (its client may be gone, unnoticed yet).
        await Promise.race([
          local.finished,
          sleep(Math.max(0, deadline - Date.now()), undefined, { ref: false }),
        ]);
      }
      const claimed = await store.claimOne(t.id, ctx.nodeName, timeout);
      if (claimed !== undefined) return claimed;
      const current = await store.get(t.id);
      if (current === undefined || !resumable.has(current.status)) return undefined;
      if (Date.now() >= deadline) {
        if (atDeadline === 'give up') return undefined;
        throw new TransferError(
          'TeForbidden',
          `this file is being received by transfer ${t.id} on node ${current.node ?? 'unknown'}; try again later`,
        );
      }
      await sleep(250);
    }
  }

  #create(
    req: UploadRequest | DownloadRequest,
    localPath: string,
    filesize: number,
    info: Record<string, unknown> = {},
    remoteTransferId?: string,
  ): Promise<Transfer> {
    const now = this.ctx.now();
    const fields: NewTransfer = {
      ...(remoteTransferId === undefined ? {} : { remoteTransferId }),
      ruleId: req.rule.id,
      clientId: null,
      localAccountId: req.peer.account.id,
      remoteAccountId: null,
      srcFilename: req.rel,
      destFilename: req.rel,
      localPath,
      remotePath: '',
      filesize,
      start: now,
      status: 'RUNNING',
      // With no pre-task the data comes first: the row says so from the start (no write for it).
      step: req.rule.preTasks.length === 0 ? 'StepData' : 'StepNone',
      remainingTries: 0,
      nextRetryDelay: 0,
      retryIncrementFactor: 0,
      nextRetry: null,
      node: this.ctx.nodeName,
      leaseMs: this.ctx.config.cluster.nodeTimeoutMs,
      // The partner's address (behind a load balancer: the one it relayed), for the record.
      info: { ...info, clientAddress: req.peer.remoteAddress },
    };
    // Nothing acknowledged yet: durable with the upload's end, or the next heartbeat (WriteOptions).
    return this.ctx.stores.transfers.create(fields, { durable: false });
  }

  #state(
    req: UploadRequest | DownloadRequest,
    row: Transfer,
    trueFullPath: string,
    dirs: RuleDirs,
  ): TaskState {
    const { server, account, remoteAddress } = req.peer;
    return {
      transferId: row.id,
      remoteTransferId: row.remoteTransferId,
      ruleName: req.rule.name,
      isSend: req.rule.isSend,
      isServer: true,
      trueFullPath,
      originalFullPath: req.rule.isSend ? trueFullPath : req.rel,
      fileSize: row.filesize,
      remoteHost: remoteAddress,
      localHost: server.name,
      requester: account.login,
      requested: server.name,
      info: { ...row.info },
      errorCode: 'TeOk',
      errorMsg: '',
      dirs: { home: this.ctx.config.paths.gatewayHome, in: dirs.receive, out: dirs.send, tmp: dirs.tmp },
      configFile: this.ctx.config.configFile,
    };
  }
}
