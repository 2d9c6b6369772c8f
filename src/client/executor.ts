/**
 * Runs one claimed client transfer (push or pull over SFTP) from its database row, so that
 * any node can start or resume it: setup → pre-tasks → data (from the saved progress) →
 * post-tasks → DONE. Every state write is fenced on this node's lease; when a write is
 * refused, another node owns the transfer now and this one stops without touching it.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, rename } from 'node:fs/promises';
import { dirname, posix } from 'node:path';
import type { GatewayContext } from '../gateway/context.js';
import type { Client, Partner, RemoteAccount, Rule, Transfer } from '../model/entities.js';
import type { TransferStep } from '../model/transfer-state.js';
import { transferTransitions } from '../model/transfer-lifecycle.js';
import { stepRank, TransferError } from '../model/transfer-state.js';
import type { Checkpoint, RetryPlan } from '../db/stores/transfers.js';
import { isDatabaseUnavailable } from '../db/unavailable.js';
import { ProgressCheckpoints, recordEnd, stopEnds, TransferLostError } from '../transfer/lifecycle.js';
import type { RunningTransfer, StopReason } from '../transfer/registry.js';
import { clientPaths } from '../transfer/client-paths.js';
import { pullFile, pushFile, fileSize } from './sftp-copy.js';
import { SftpSession } from './sftp-session.js';
import type { TaskState } from '../transfer/tasks/types.js';
import { clientTaskState, runClientTasks } from './tasks.js';

export function startClientTransfer(ctx: GatewayContext, transfer: Transfer): RunningTransfer {
  const abort = new AbortController();
  let stopReason: StopReason | undefined;
  let resolveFinished!: () => void;
  const finished = new Promise<void>((resolve) => (resolveFinished = resolve));
  const handle: RunningTransfer = {
    id: transfer.id,
    side: 'client',
    finished,
    stop: async (reason) => {
      stopReason ??= reason;
      abort.abort(new TransferError('TeStopped', `${reason} requested`));
      await finished;
    },
  };
  ctx.running.add(handle);
  new Execution(ctx, transfer, abort.signal, () => stopReason)
    .run()
    .catch((err: unknown) => ctx.log.error({ err, transfer: transfer.id }, 'client transfer crashed'))
    .finally(resolveFinished);
  return handle;
}

class Execution {
  #t: Transfer;
  /** Progress writes during the copy (a refused one stops it: another node owns the transfer). */
  readonly #progress = new ProgressCheckpoints(
    () => this.#save('StepData'),
    (err) => this.#abortSelf(err),
    (err) => this.ctx.log.warn({ err, transfer: this.#t.id }, 'could not save progress'),
  );

  constructor(
    private readonly ctx: GatewayContext,
    transfer: Transfer,
    private readonly signal: AbortSignal,
    private readonly stopReason: () => StopReason | undefined,
  ) {
    this.#t = { ...transfer };
  }

  async run(): Promise<void> {
    const { ctx } = this;
    const log = ctx.log.child({ transfer: this.#t.id });
    // Where a previous run stopped: finished steps and tasks are not done again.
    const resumeStep = this.#t.step;
    const resumeTask = this.#t.taskNumber;
    const fromTask = (step: TransferStep): number => (resumeStep === step ? resumeTask : 0);
    let session: SftpSession | undefined;
    try {
      const parties = await this.#load();
      const { rule, partner, account, client } = parties;
      const paths = clientPaths(ctx.config, rule, this.#t);
      log.info(
        {
          rule: rule.name,
          partner: partner.name,
          send: rule.isSend,
          step: resumeStep,
          from: this.#t.progress,
        },
        'client transfer starting',
      );
      if (stepRank(resumeStep) < stepRank('StepPreTasks')) await this.#save('StepSetup');
      if (stepRank(resumeStep) <= stepRank('StepPreTasks')) {
        this.#t.taskNumber = fromTask('StepPreTasks');
        await this.#save('StepPreTasks');
        const state = clientTaskState(ctx, parties, this.#t, paths, rule.isSend ? paths.local : paths.tmp);
        await runClientTasks(ctx, 'PRE', rule.preTasks, state, this.#t.taskNumber, (n, st) =>
          this.#taskDone(n, st),
        );
        // A pre-task may have moved or renamed the file to send.
        if (rule.isSend) paths.local = state.trueFullPath;
      }
      if (stepRank(resumeStep) <= stepRank('StepData')) {
        this.#t.taskNumber = 0;
        session = await SftpSession.open(await this.#target(partner, account, client));
        if (rule.isSend) await this.#push(session, paths.local, paths.remote);
        else await this.#pull(session, paths.remote, paths.tmp, paths.local);
        session.close();
        session = undefined;
      }
      this.#t.taskNumber = fromTask('StepPostTasks');
      await this.#save('StepPostTasks');
      const post = clientTaskState(ctx, parties, this.#t, paths, paths.local);
      await runClientTasks(ctx, 'POST', rule.postTasks, post, this.#t.taskNumber, (n, st) =>
        this.#taskDone(n, st),
      );
      this.#t.taskNumber = 0;
      const done = { event: 'complete', checkpoint: this.#checkpoint(), isSend: rule.isSend } as const;
      if (!(await recordEnd(ctx, this.#t.id, done))) throw new TransferLostError(this.#t.id);
      log.info({ bytes: this.#t.progress }, 'client transfer done');
    } catch (err) {
      session?.close();
      await this.#settle(err, log);
    }
  }

  async #load(): Promise<{
    rule: Rule;
    partner: Partner;
    account: RemoteAccount;
    client: Client | undefined;
  }> {
    const s = this.ctx.stores;
    const rule = await s.rules.getById(this.#t.ruleId);
    const account =
      this.#t.remoteAccountId === null ? undefined : await s.remoteAccounts.getById(this.#t.remoteAccountId);
    const partner = account && (await s.partners.getById(account.partnerId));
    if (rule === undefined || account === undefined || partner === undefined) {
      throw new TransferError('TeInternal', 'the rule, partner or account of this transfer no longer exists');
    }
    const client = this.#t.clientId === null ? undefined : await s.clients.getById(this.#t.clientId);
    if (partner.protocol !== 'sftp')
      throw new TransferError('TeUnimplemented', `protocol ${partner.protocol} is not supported`);
    return { rule, partner, account, client };
  }

  async #target(partner: Partner, account: RemoteAccount, client: Client | undefined) {
    const { stores, secrets, config } = this.ctx;
    const hostKeys = (
      await stores.credentials.list({ kind: 'partner', id: partner.id }, 'ssh_public_key')
    ).map((c) => c.value);
    const creds = await stores.credentials.list({ kind: 'remoteAccount', id: account.id });
    const password = creds.find((c) => c.type === 'password');
    return {
      address: config.indirection.resolve(partner.address),
      partnerName: partner.name,
      hostKeys,
      login: account.login,
      password: password === undefined ? undefined : secrets.decrypt(password.value),
      privateKeys: creds.filter((c) => c.type === 'ssh_private_key').map((c) => secrets.decrypt(c.value)),
      localAddress: client?.localAddress === '' ? undefined : client?.localAddress,
    };
  }

  async #push(session: SftpSession, local: string, remote: string): Promise<void> {
    const size = await fileSize(local);
    this.#t.filesize = size;
    await session.mkdirp(posix.dirname(remote));
    const existing = await session.stat(remote);
    // Resume from what both sides agree on; never truncate what the partner already has.
    let from = Math.min(this.#t.progress, existing?.size ?? 0, size);
    if (existing === undefined) from = 0;
    const handle = await session.open(remote, existing === undefined ? 'w' : 'r+');
    this.#t.progress = from;
    await this.#save('StepData');
    this.#progress.restart();
    // On failure or stop the handle is NOT closed: in SFTP a close means "the file is complete",
    // and a gateway partner would deliver a partial file. Dropping the connection instead lets
    // the partner keep the upload unfinished, to be continued.
    await pushFile(session.sftp, local, handle, size, this.#copyOptions(from));
    // A longer remote file (an older, bigger upload) must not keep its tail.
    if ((existing?.size ?? 0) > size) await session.truncate(handle, size);
    await session.closeHandle(handle);
    this.#t.progress = size;
    this.#t.info = { ...this.#t.info, sha256: await sha256(local) };
  }

  async #pull(session: SftpSession, remote: string, tmp: string, final: string): Promise<void> {
    const remoteStat = await session.stat(remote);
    if (remoteStat === undefined)
      throw new TransferError('TeFileNotFound', `${remote}: no such file on the partner`);
    const size = remoteStat.size;
    this.#t.filesize = size;
    await mkdir(dirname(tmp), { recursive: true });
    // Continue the local tmp file; cut it back to the saved progress so no unverified tail survives.
    const fh = await open(tmp, 'a+');
    const have = (await fh.stat()).size;
    const from = Math.min(this.#t.progress, have, size);
    await fh.truncate(from);
    await fh.close();
    this.#t.progress = from;
    await this.#save('StepData');
    this.#progress.restart();
    const handle = await session.open(remote, 'r');
    // As for a push, only a complete read is closed: a partner gateway records a closed
    // download as served.
    await pullFile(session.sftp, handle, tmp, size, this.#copyOptions(from));
    await session.closeHandle(handle);
    this.#t.progress = size;
    await mkdir(dirname(final), { recursive: true });
    await rename(tmp, final);
    this.#t.localPath = final;
    this.#t.info = { ...this.#t.info, sha256: await sha256(final) };
  }

  #copyOptions(from: number) {
    return {
      from,
      signal: AbortSignal.any([this.signal, this.#leaseAbort.signal]),
      onProgress: (contiguous: number) => {
        this.#t.progress = contiguous;
        this.#progress.soon();
      },
    };
  }

  /** A lost lease stops the copy like an operator's stop, but records nothing. */
  #abortSelf(err: Error): void {
    this.#lostLease = true;
    this.#leaseAbort.abort(err);
  }

  #lostLease = false;
  readonly #leaseAbort = new AbortController();

  #checkpoint(): Checkpoint {
    return {
      progress: this.#t.progress,
      step: this.#t.step,
      taskNumber: this.#t.taskNumber,
      filesize: this.#t.filesize,
      localPath: this.#t.localPath,
      info: this.#t.info,
    };
  }

  async #save(step: TransferStep): Promise<void> {
    this.#t.step = step;
    if (this.#lostLease) throw new TransferLostError(this.#t.id);
    const ok = await this.ctx.stores.transfers.checkpoint(this.#t.id, this.ctx.nodeName, this.#checkpoint());
    if (!ok) {
      this.#lostLease = true;
      throw new TransferLostError(this.#t.id);
    }
  }

  async #taskDone(next: number, state: TaskState): Promise<void> {
    this.#t.taskNumber = next;
    this.#t.info = state.info;
    this.#t.localPath = state.trueFullPath;
    if (state.errorCode === 'TeWarning') {
      this.#t.errorCode = state.errorCode;
      this.#t.errorDetails = state.errorMsg;
    }
    await this.#save(this.#t.step);
  }

  /** Records how the transfer ended when it did not end well. */
  async #settle(err: unknown, log: GatewayContext['log']): Promise<void> {
    const { ctx } = this;
    const id = this.#t.id;
    const now = ctx.now();
    await this.#progress.settled();
    if (err instanceof TransferLostError || this.#lostLease) {
      log.warn('lost the lease on this transfer (another node owns it now): stopped without recording');
      return;
    }
    const reason = this.stopReason();
    const checkpoint = this.#checkpoint();
    try {
      if (reason === 'cancel') {
        await recordEnd(ctx, id, { event: 'cancel', checkpoint }, now);
        log.info('client transfer cancelled');
      } else if (reason !== undefined) {
        const { event, code } = stopEnds[reason];
        await recordEnd(ctx, id, { event, checkpoint, error: { code, details: `${reason} requested` } }, now);
        log.info(
          { status: transferTransitions[event].to, progress: checkpoint.progress },
          'client transfer stopped',
        );
      } else if (isDatabaseUnavailable(err)) {
        // The database went away mid-transfer: not the transfer's fault. Interrupted, due again,
        // no attempt spent (when even this write fails, the lease lapses and a survivor resumes).
        const details = `database unavailable: ${(err as Error).message}`;
        await recordEnd(
          ctx,
          id,
          { event: 'interrupt', checkpoint, error: { code: 'TeInternal', details } },
          now,
        );
        log.warn({ err: (err as Error).message }, 'client transfer interrupted: database unavailable');
      } else {
        const te =
          err instanceof TransferError
            ? err
            : new TransferError('TeInternal', (err as Error).message ?? String(err));
        log.warn({ code: te.code, err: te.message }, 'client transfer failed');
        await this.#runErrorTasks(te);
        const error = { code: te.code, details: te.message };
        await recordEnd(ctx, id, { event: 'fail', checkpoint, error, retry: this.#retryPlan(now) }, now);
      }
    } catch (saveErr) {
      log.error(
        { err: saveErr },
        'could not record the end of the transfer (the lease will lapse and it will be resumed)',
      );
    }
  }

  async #runErrorTasks(te: TransferError): Promise<void> {
    try {
      const parties = await this.#load();
      if (parties.rule.errorTasks.length === 0) return;
      const paths = clientPaths(this.ctx.config, parties.rule, this.#t);
      const failed = { ...this.#t, errorCode: te.code, errorDetails: te.message };
      const state = clientTaskState(
        this.ctx,
        parties,
        failed,
        paths,
        parties.rule.isSend ? paths.local : paths.tmp,
      );
      // Error tasks are not checkpointed: they run again if the failure is recorded again.
      await runClientTasks(this.ctx, 'ERROR', parties.rule.errorTasks, state, 0, () => Promise.resolve());
    } catch (err) {
      this.ctx.log.warn({ err, transfer: this.#t.id }, 'an error task failed');
    }
  }

  /** Retries left: due after the current delay, which then grows by the factor. */
  #retryPlan(now: number): RetryPlan | null {
    const t = this.#t;
    if (t.remainingTries <= 0) return null;
    return {
      nextRetry: now + t.nextRetryDelay * 1000,
      nextRetryDelay: Math.max(1, Math.round(t.nextRetryDelay * t.retryIncrementFactor)),
      remainingTries: t.remainingTries - 1,
    };
  }
}

async function sha256(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
