/**
 * The name an upload delivers to, in an isolated receive folder: it must be free or the
 * account's own. A new name is claimed for the account when its upload starts (one statement),
 * so that two partners can never deliver over each other; a claim whose file is gone and whose
 * upload is over is stale and passes to whoever delivers that name next.
 */
import { lstat } from 'node:fs/promises';
import type { Stores } from '../db/stores/index.js';
import type { Ownership as Owner } from '../db/stores/partner-files.js';
import type { Transfer } from '../model/entities.js';
import { TransferError } from '../model/transfer-state.js';
import type { ServerPeer } from './server-transfer.js';

/** What the claims need: the claims and the transfers behind them, and this node's clock. */
export interface OwnershipDeps {
  readonly stores: Pick<Stores, 'partnerFiles' | 'transfers'>;
  now(): number;
}

const unfinished = new Set(['RUNNING', 'INTERRUPTED', 'ERROR', 'AVAILABLE', 'PAUSED']);

const exists = (path: string): Promise<boolean> =>
  lstat(path).then(
    () => true,
    () => false,
  );

/** Whether a claim is left over: its file gone, its upload over. */
export async function isStale(ctx: Pick<OwnershipDeps, 'stores'>, path: string, o: Owner): Promise<boolean> {
  if (await exists(path)) return false;
  if (o.transferId === null) return true;
  const t = await ctx.stores.transfers.get(o.transferId);
  return t === undefined || !unfinished.has(t.status);
}

export class Ownership {
  constructor(
    private readonly ctx: OwnershipDeps,
    private readonly peer: ServerPeer,
    /** The real final path. */
    private readonly path: string,
    /** The name as the partner gave it (for messages). */
    private readonly rel: string,
  ) {}

  /** An existing file may only be replaced or changed by the account that delivered it. */
  async checkExisting(): Promise<void> {
    const o = await this.ctx.stores.partnerFiles.ownerOf(this.path);
    if (o?.accountId === this.peer.account.id) return;
    throw new TransferError(
      'TeForbidden',
      o === undefined
        ? `"${this.rel}": this name is used by a file that is not this account's`
        : `"${this.rel}": this name is used by the file of another account`,
    );
  }

  /** Claims a name that has no file yet for the upload `row`. */
  async claimNew(row: Transfer): Promise<void> {
    const { ctx } = this;
    const store = ctx.stores.partnerFiles;
    const me = this.peer.account.id;
    const other = await store.claim(this.path, me, { isDir: false, transferId: row.id, now: ctx.now() });
    if (other === undefined) return;
    if (
      (await isStale(ctx, this.path, other)) &&
      (await store.takeOver(this.path, other.accountId, me, row.id))
    )
      return;
    throw new TransferError(
      'TeForbidden',
      `"${this.rel}": another account is delivering a file of this name`,
    );
  }

  /** The name is free again (the post-tasks moved the file away). */
  release(path: string): Promise<void> {
    return this.ctx.stores.partnerFiles.release([path]);
  }
}
