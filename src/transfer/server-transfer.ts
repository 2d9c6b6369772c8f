/**
 * The life of one transfer a partner runs on our server, whatever the protocol: the row it
 * owns (every write fenced on this node + RUNNING), its task chains, its step checkpoints and
 * how it ends (DONE, ERROR, INTERRUPTED, PAUSED, CANCELLED, through ./lifecycle.ts, which
 * client transfers share). Uploads and downloads add the data part. Registered in
 * `ctx.running` so the action poller and the drain can stop it.
 */
import type { GatewayContext } from '../gateway/context.js';
import type { Logger } from '../log.js';
import type { LocalAccount, Rule, Server, Transfer } from '../model/entities.js';
import type { TransferErrorCode, TransferStep } from '../model/transfer-state.js';
import { TransferError } from '../model/transfer-state.js';
import type { Checkpoint } from '../db/stores/transfers.js';
import { ProgressCheckpoints, recordEnd, stopEnds, TransferLostError } from './lifecycle.js';
import type { RunningTransfer, StopReason } from './registry.js';
import { taskTypesFor } from './tasks/index.js';
import { runTaskChain } from './tasks/runner.js';
import type { TaskState } from './tasks/types.js';

/** Who is on the other end of a server transfer. */
export interface ServerPeer {
  readonly server: Server;
  readonly account: LocalAccount;
  /** The partner's IP address. */
  readonly remoteAddress: string;
}

type Phase = 'setup' | 'data' | 'closing' | 'ended';
type HaltKind = StopReason | 'connection';

/** How each halt ends the transfer (a lost session: interrupted, resumable). */
const halts: Record<
  HaltKind,
  { event: 'interrupt' | 'pause' | 'cancel'; code: TransferErrorCode; text: string }
> = {
  interrupt: { ...stopEnds.interrupt, text: 'interrupted by the gateway' },
  pause: { ...stopEnds.pause, text: 'paused by an operator' },
  cancel: { ...stopEnds.cancel, text: 'cancelled by an operator' },
  connection: {
    event: 'interrupt',
    code: 'TeConnectionReset',
    text: 'the session closed before the file was closed',
  },
};

export abstract class ServerTransfer implements RunningTransfer {
  readonly side = 'server' as const;
  readonly finished: Promise<void>;
  readonly log: Logger;
  protected readonly state: TaskState;
  protected phase: Phase = 'setup';
  #row: Transfer;
  #end!: () => void;
  #halt: TransferError | undefined;
  #pendingStop: HaltKind | undefined;
  /** Progress as the database has it (what a resume elsewhere would start from). */
  #savedProgress: number;
  /** Progress writes during the data phase (later writes wait for the one in flight). */
  readonly #progress = new ProgressCheckpoints(
    () => this.save({ progress: this.progress }),
    // Lost ownership stops the transfer; a database hiccup only delays the progress.
    (err) => this.lost(err),
    (err) => this.log.warn({ err }, 'cannot save the progress (will retry)'),
  );

  constructor(
    protected readonly ctx: GatewayContext,
    protected readonly rule: Rule,
    protected readonly peer: ServerPeer,
    row: Transfer,
    state: TaskState,
  ) {
    this.#row = row;
    this.#savedProgress = row.progress;
    this.state = state;
    this.log = ctx.log.child({ component: 'transfer', transferId: row.id });
    this.finished = new Promise((resolve) => (this.#end = resolve));
  }

  get id(): number {
    return this.#row.id;
  }

  /** The row as this node last wrote it. */
  get row(): Readonly<Transfer> {
    return this.#row;
  }

  /** Why the transfer stopped early, for the protocol's answer; undefined while it runs. */
  get haltError(): TransferError | undefined {
    return this.#halt;
  }

  /** Bytes [0, progress) are done. */
  protected abstract get progress(): number;

  /** Stops the data side: waits for writes in flight, closes the file. Idempotent. */
  protected abstract releaseData(): Promise<void>;

  /** After a cancel: removes what only this transfer needed (an upload's tmp file). */
  protected onCancelled(): Promise<void> {
    return Promise.resolve();
  }

  // ---- stopping ------------------------------------------------------------------------

  stop(reason: StopReason): Promise<void> {
    return this.#haltWith(reason);
  }

  /** The protocol session went away before the end: INTERRUPTED, resumable from its progress. */
  abort(): Promise<void> {
    return this.#haltWith('connection');
  }

  async #haltWith(kind: HaltKind): Promise<void> {
    if (this.phase === 'setup') {
      // Pre-tasks are running: stop as soon as they are done (see enterData).
      this.#pendingStop ??= kind;
      return this.finished;
    }
    const h = halts[kind];
    return this.stopWith(h.event, new TransferError(h.code, `transfer ${this.id} ${h.text}`), kind);
  }

  /**
   * Stops the data phase and records the stop: interrupt or pause (resumable, lease released)
   * or cancel (to history). `over`: what else the final checkpoint says.
   */
  protected async stopWith(
    event: 'interrupt' | 'pause' | 'cancel',
    why: TransferError,
    reason: string,
    over: Partial<Checkpoint> = {},
  ): Promise<void> {
    if (this.phase !== 'data') return this.finished;
    this.phase = 'ended';
    this.#halt = why;
    try {
      await this.releaseData();
      await this.settleFlush();
      const cp = this.checkpointNow(over);
      const error = { code: why.code, details: why.message };
      const ok = await recordEnd(this.ctx, this.id, { event, checkpoint: cp, error });
      if (ok && event === 'cancel') await this.onCancelled();
      if (ok) this.log.info({ reason, progress: cp.progress }, 'transfer stopped');
      else this.log.warn({ reason }, 'transfer stopped but this node no longer owned it');
    } catch (err) {
      this.log.error({ err, reason }, 'could not record the stop of the transfer');
    } finally {
      this.#end();
    }
  }

  /**
   * Ends the transfer without any record left: it was nothing of its own (an upload that wrote
   * nothing into an existing file, a part of a download merged into another record).
   */
  protected async discardRecord(): Promise<void> {
    this.phase = 'ended';
    try {
      await this.releaseData();
      await this.settleFlush();
      await recordEnd(this.ctx, this.id, { event: 'discard' });
    } finally {
      this.#end();
    }
  }

  // ---- checkpoints ---------------------------------------------------------------------

  protected checkpointNow(over: Partial<Checkpoint> = {}): Checkpoint {
    const r = this.#row;
    return {
      progress: this.progress,
      step: r.step,
      taskNumber: r.taskNumber,
      filesize: r.filesize,
      localPath: r.localPath,
      info: r.info,
      ...(r.errorCode === 'TeWarning' ? { error: { code: r.errorCode, details: r.errorDetails } } : {}),
      ...over,
    };
  }

  /** Writes a checkpoint, fenced; throws TransferLostError when the node lost the row. */
  protected async save(over: Partial<Checkpoint>): Promise<void> {
    const cp = this.checkpointNow(over);
    const ok = await this.ctx.stores.transfers.checkpoint(this.id, this.ctx.nodeName, cp);
    if (!ok) throw new TransferLostError(this.id);
    this.#applied(cp);
    this.#savedProgress = cp.progress;
  }

  /**
   * The checkpoint before the post-tasks (the data is all there). With no post-task and no
   * progress ever saved (a small file), it is left to complete(), whose transaction writes the
   * same checkpoint with the move to history: one write and one commit less per file. A crash
   * in between leaves the row resumable from 0, as it was.
   */
  protected async saveBeforePost(over: Partial<Checkpoint>): Promise<void> {
    if (this.rule.postTasks.length > 0 || this.#savedProgress !== 0) await this.save(over);
    else this.#applied(this.checkpointNow(over));
  }

  #applied(cp: Checkpoint): void {
    this.#row = {
      ...this.#row,
      progress: cp.progress,
      step: cp.step,
      taskNumber: cp.taskNumber,
      filesize: cp.filesize ?? this.#row.filesize,
      localPath: cp.localPath ?? this.#row.localPath,
      info: cp.info ?? this.#row.info,
      errorCode: cp.error?.code ?? this.#row.errorCode,
      errorDetails: cp.error?.details ?? this.#row.errorDetails,
    };
  }

  /** Progress to the database at most about once a second, off the data path. */
  protected flushProgressSoon(): void {
    if (this.phase === 'data') this.#progress.soon();
  }

  /** Waits for a progress write in flight, so that it cannot land after (and undo) a later one. */
  protected settleFlush(): Promise<void> {
    return this.#progress.settled();
  }

  /** The row is gone from under us: stop without writing anything more. */
  protected lost(err: unknown): void {
    if (this.phase === 'ended') return;
    this.phase = 'ended';
    this.#halt = err instanceof TransferError ? err : new TransferError('TeInternal', String(err));
    this.log.warn({ err }, 'transfer lost: stopping without recording');
    void this.releaseData()
      .catch((e: unknown) => this.log.error({ err: e }, 'could not release the file'))
      .finally(() => this.#end());
  }

  // ---- steps ---------------------------------------------------------------------------

  /** Runs the pre- or post-tasks from where a previous run stopped. */
  protected async runChain(chain: 'PRE' | 'POST'): Promise<void> {
    const step: TransferStep = chain === 'PRE' ? 'StepPreTasks' : 'StepPostTasks';
    const tasks = chain === 'PRE' ? this.rule.preTasks : this.rule.postTasks;
    // No task: no step marker either (nothing to resume within it); one write less per transfer.
    if (tasks.length === 0) return;
    const from = this.#row.step === step ? this.#row.taskNumber : 0;
    await this.save({ step, taskNumber: from });
    await runTaskChain(chain, tasks, this.state, from, {
      types: taskTypesFor(this.ctx),
      log: this.log,
      now: () => this.ctx.now(),
      checkpoint: (next, st) =>
        this.save({
          taskNumber: next,
          // Before an upload's data the row keeps pointing at its tmp file (the resume needs it).
          localPath: chain === 'POST' || this.rule.isSend ? st.trueFullPath : this.#row.localPath,
          filesize: st.fileSize,
          info: st.info,
          ...(st.errorCode === 'TeWarning' ? { error: { code: st.errorCode, details: st.errorMsg } } : {}),
        }),
    });
  }

  /**
   * Ends setup (`over`: what else the row must say by then, in the same write); the data phase
   * starts unless a stop came meanwhile (then it throws why).
   */
  protected async enterData(over: Partial<Checkpoint> = {}, saveNow = true): Promise<void> {
    const cp = { ...over, step: 'StepData' as const, taskNumber: 0 };
    // A row this open made at StepData, with no progress saved, needs nothing more to be
    // resumable (from 0, its tmp name following from its id): the next write carries this one.
    if (saveNow || this.#row.step !== 'StepData' || this.#savedProgress !== 0) await this.save(cp);
    else this.#applied(this.checkpointNow(cp));
    // The first progress write comes a full interval later: a small file never needs one.
    this.#progress.restart();
    this.phase = 'data';
    const pending = this.#pendingStop;
    if (pending !== undefined) {
      await this.#haltWith(pending);
      throw this.#halt ?? new TransferError('TeStopped', `transfer ${this.id} was stopped`);
    }
  }

  /** Where the file is when the transfer fails: what its record names (the resume starts there). */
  protected failedFilePath(): string {
    return this.state.trueFullPath;
  }

  /**
   * Fails the transfer: the error chain runs, then the row goes to ERROR (fenced) with the
   * step and task where it failed, so a later attempt resumes there.
   */
  protected async failWith(err: unknown): Promise<TransferError> {
    const terr = toTransferError(err);
    if (this.phase === 'ended') return this.#halt ?? terr;
    this.phase = 'ended';
    this.#halt = terr;
    try {
      await this.releaseData();
      await this.settleFlush();
    } catch (e) {
      this.log.error({ err: e }, 'could not release the file');
    }
    if (err instanceof TransferLostError) {
      this.log.warn({ err }, 'transfer lost: stopping without recording');
      this.#end();
      return terr;
    }
    this.log.warn({ code: terr.code, err: terr }, 'transfer failed');
    this.state.errorCode = terr.code;
    this.state.errorMsg = terr.message;
    try {
      await runTaskChain('ERROR', this.rule.errorTasks, this.state, 0, {
        types: taskTypesFor(this.ctx),
        log: this.log,
        now: () => this.ctx.now(),
        checkpoint: () => Promise.resolve(),
      });
    } catch (e) {
      this.log.error({ err: e }, 'error tasks failed');
    }
    try {
      const checkpoint = this.checkpointNow({ error: undefined, localPath: this.failedFilePath() });
      const error = { code: terr.code, details: terr.message };
      const ok = await recordEnd(this.ctx, this.id, { event: 'fail', checkpoint, error, retry: null });
      if (!ok) this.log.warn('transfer failed but this node no longer owned it');
    } catch (e) {
      this.log.error({ err: e }, 'could not record the failure of the transfer');
    } finally {
      this.#end();
    }
    return terr;
  }

  /** Records success: history DONE, in one fenced transaction. */
  protected async completeTransfer(): Promise<void> {
    // The final checkpoint is written in complete()'s own transaction, with the move to history.
    const final = this.checkpointNow({
      step: 'StepFinalization',
      taskNumber: 0,
      localPath: this.state.trueFullPath,
    });
    // An upload's DONE is durable before its close is answered; a download needs no durability
    // (its record still says DONE only once every byte was sent): see WriteOptions.
    const { isSend } = this.rule;
    const ok = await recordEnd(this.ctx, this.id, {
      event: 'complete',
      checkpoint: final,
      isSend,
      durable: !isSend,
    });
    if (!ok) throw new TransferLostError(this.id);
    this.phase = 'ended';
    this.log.info({ size: this.#row.filesize, rule: this.rule.name }, 'transfer done');
    this.#end();
  }
}

/** Any error as a transfer error (unknown errors are internal). */
export function toTransferError(err: unknown): TransferError {
  if (err instanceof TransferError) return err;
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  const message = err instanceof Error ? err.message : String(err);
  if (code === 'ENOENT') return new TransferError('TeFileNotFound', message, { cause: err });
  if (code === 'EACCES' || code === 'EPERM') return new TransferError('TeForbidden', message, { cause: err });
  if (code === 'ENOSPC' || code === 'EDQUOT') return new TransferError('TeBadSize', message, { cause: err });
  return new TransferError('TeInternal', message, { cause: err });
}
