/**
 * Opens server transfers for any protocol module: checks the per-node limit, continues the
 * unfinished record of a file (claiming it, waiting for a lapsing lease if another node held
 * it) or creates one, and hands back a running upload or download.
 */
import { MemoryBudget } from './memory-budget.js';
import { stat } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { dirname } from 'node:path';
import { mkdir } from 'node:fs/promises';
import type { GatewayContext } from '../gateway/context.js';
import type { Rule, Transfer } from '../model/entities.js';
import { stepRank, TransferError } from '../model/transfer-state.js';
import { DownloadTransfer } from './download.js';
import { resolveInside } from './jail.js';
import { serverReceiveDir, serverSendDir, serverTmpDir, tmpFileName } from './paths.js';
import type { ServerPeer } from './server-transfer.js';
import type { TaskState } from './tasks/types.js';
import { UploadTransfer } from './upload.js';

export interface UploadRequest {
  readonly peer: ServerPeer;
  readonly rule: Rule;
  /** File name inside the rule (may hold sub-folders). */
  readonly rel: string;
  /** The partner asked to start over (SFTP TRUNC): progress 0, tmp emptied. */
  readonly truncate: boolean;
  /** Announced size, if any. */
  readonly sizeHint?: number;
}

export interface DownloadRequest {
  readonly peer: ServerPeer;
  readonly rule: Rule;
  readonly rel: string;
}

export interface RuleDirs {
  readonly send: string;
  readonly receive: string;
  readonly tmp: string;
}

const resumable = new Set(['RUNNING', 'INTERRUPTED', 'ERROR', 'AVAILABLE']);

export class ServerTransfers {
  #opening = 0;
  /** Upload bytes received by this node and not yet on disk (`[controller] UploadBuffer`). */
  readonly uploadBuffer: MemoryBudget;

  constructor(private readonly ctx: GatewayContext) {
    const high = ctx.config.controller.uploadBufferBytes;
    this.uploadBuffer = new MemoryBudget(high, Math.floor(high / 2));
  }

  /** The real directories of a rule on a server. */
  dirs(rule: Rule, peer: Pick<ServerPeer, 'server'>): RuleDirs {
    const d = this.ctx.config.paths;
    return {
      send: serverSendDir(rule, peer.server, d),
      receive: serverReceiveDir(rule, peer.server, d),
      tmp: serverTmpDir(rule, peer.server, d),
    };
  }

  /**
   * Bytes already received of an unfinished upload of that file (undefined: none), what a
   * `stat` of the target answers so that `reput` continues from there.
   */
  async unfinishedUpload(peer: ServerPeer, rule: Rule, rel: string): Promise<number | undefined> {
    const t = await this.ctx.stores.transfers.findUnfinishedServerTransfer(peer.account.id, rule.id, rel);
    if (t === undefined || stepRank(t.step) > stepRank('StepData')) return undefined;
    const live = this.ctx.running.get(t.id);
    return live instanceof UploadTransfer ? live.received : t.progress;
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
      const claimed = existing === undefined ? undefined : await this.#claim(existing);
      const row = claimed ?? (await this.#create(req, '', req.sizeHint ?? -1));
      // Data already complete (it failed in post-tasks): the file moved on, receive it again.
      const restart = req.truncate || stepRank(row.step) > stepRank('StepData');
      const keepTmp = claimed !== undefined && !restart && row.localPath.endsWith('.part');
      const tmpPath = keepTmp
        ? row.localPath
        : await resolveInside(dirs.tmp, tmpFileName(req.rel, row.id), { create: true, mode: dirMode });
      await mkdir(dirname(tmpPath), { recursive: true, mode: dirMode });
      // Tasks see the file where it will be (the tmp name is an internal detail).
      const t = new UploadTransfer(ctx, req.rule, req.peer, row, this.#state(req, row, finalPath, dirs));
      ctx.running.add(t);
      release();
      if (claimed !== undefined)
        t.log.info({ restart, progress: row.progress }, 'continuing an unfinished upload');
      await t.begin(tmpPath, dirs.receive, restart ? 0 : row.progress, ctx.config.paths.filePermissions);
      return t;
    } finally {
      release();
    }
  }

  async openDownload(req: DownloadRequest): Promise<DownloadTransfer> {
    const release = this.#reserve();
    try {
      const dirs = this.dirs(req.rule, req.peer);
      const path = await resolveInside(dirs.send, req.rel);
      const st = await stat(path).catch((err: unknown) => {
        throw new TransferError('TeFileNotFound', `no file "${req.rel}"`, { cause: err });
      });
      if (!st.isFile()) throw new TransferError('TeFileNotFound', `"${req.rel}" is not a file`);
      const row = await this.#create(req, path, st.size);
      const t = new DownloadTransfer(this.ctx, req.rule, req.peer, row, this.#state(req, row, path, dirs));
      this.ctx.running.add(t);
      release();
      await t.begin();
      return t;
    } finally {
      release();
    }
  }

  /** Takes a slot under `maxTransferIn`; the returned function gives it back (idempotent). */
  #reserve(): () => void {
    const { ctx } = this;
    if (ctx.health.draining) throw new TransferError('TeShuttingDown', 'the node is shutting down');
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
  async #claim(t: Transfer): Promise<Transfer | undefined> {
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
        throw new TransferError(
          'TeForbidden',
          `this file is being received by transfer ${t.id} on node ${current.node ?? 'unknown'}; try again later`,
        );
      }
      await sleep(250);
    }
  }

  #create(req: UploadRequest | DownloadRequest, localPath: string, filesize: number): Promise<Transfer> {
    const now = this.ctx.now();
    return this.ctx.stores.transfers.create({
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
      step: 'StepNone',
      remainingTries: 0,
      nextRetryDelay: 0,
      retryIncrementFactor: 0,
      nextRetry: null,
      node: this.ctx.nodeName,
      leaseMs: this.ctx.config.cluster.nodeTimeoutMs,
      info: {},
    });
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
