/**
 * What client transfers (src/client/executor.ts) and server transfers
 * (src/transfer/server-transfer.ts) share about their life in the database: one error for a
 * lost lease, one checkpoint policy for progress, and one path that records how a transfer
 * ended (the fenced end events of the lifecycle table, src/model/transfer-lifecycle.ts), which
 * also counts the bytes of a completed transfer.
 */
import type { Checkpoint, RetryPlan } from '../db/stores/transfers.js';
import type { GatewayContext } from '../gateway/context.js';
import { transferTransitions } from '../model/transfer-lifecycle.js';
import type { TransferErrorCode } from '../model/transfer-state.js';
import { TransferError } from '../model/transfer-state.js';
import type { StopReason } from './registry.js';

/**
 * The node lost the transfer (its lease lapsed and another node took it, or the row changed): a
 * fenced write was refused. The transfer stops without writing anything more.
 */
export class TransferLostError extends TransferError {
  constructor(id: number) {
    super('TeInternal', `transfer ${id} is no longer owned by this node`);
    this.name = 'TransferLostError';
  }
}

/** Progress reaches the database at most this often during the data phase (never per packet). */
export const checkpointIntervalMs = 1000;

/**
 * Progress writes off the data path: at most one in flight and at most one per
 * `checkpointIntervalMs`. A refused write (TransferLostError) stops the transfer through
 * `onLost`; any other failure only delays the progress (the next write carries it).
 */
export class ProgressCheckpoints {
  #last = 0;
  #inFlight: Promise<void> | undefined;

  constructor(
    private readonly write: () => Promise<void>,
    private readonly onLost: (err: TransferLostError) => void,
    private readonly onFailed: (err: unknown) => void,
  ) {}

  /** A checkpoint was just written: the next progress write is a full interval later. */
  restart(): void {
    this.#last = Date.now();
  }

  /** Writes the progress unless a write is in flight or the last one is too recent. */
  soon(): void {
    const now = Date.now();
    if (this.#inFlight !== undefined || now - this.#last < checkpointIntervalMs) return;
    this.#last = now;
    this.#inFlight = this.write()
      .catch((err: unknown) => {
        if (err instanceof TransferLostError) this.onLost(err);
        else this.onFailed(err);
      })
      .finally(() => (this.#inFlight = undefined));
  }

  /** Waits for the write in flight, so that it cannot land after (and undo) a later one. */
  async settled(): Promise<void> {
    await this.#inFlight;
  }
}

/** How a transfer ended, as its node records it (each a fenced event of the lifecycle table). */
export type TransferEnd =
  | { event: 'complete'; checkpoint: Checkpoint; isSend: boolean; durable?: boolean }
  | { event: 'fail'; checkpoint: Checkpoint; error: TransferFailure; retry: RetryPlan | null }
  | { event: 'interrupt' | 'pause'; checkpoint?: Checkpoint; error: TransferFailure }
  | { event: 'cancel'; checkpoint?: Checkpoint }
  | { event: 'discard' };

export interface TransferFailure {
  code: TransferErrorCode;
  details: string;
}

/** The end event of a stop, and the error code it records. */
export const stopEnds = {
  interrupt: { event: 'interrupt', code: 'TeShuttingDown' },
  pause: { event: 'pause', code: 'TeStopped' },
  cancel: { event: 'cancel', code: 'TeCanceled' },
} as const satisfies Record<StopReason, { event: TransferEnd['event']; code: TransferErrorCode }>;

/**
 * Records the end of transfer `id`, fenced on this node's lease: false when the node no longer
 * owned it (nothing was written). A completed transfer's bytes are counted here, once, by the
 * node that records DONE: the whole file, also when earlier attempts moved part of it elsewhere.
 */
export async function recordEnd(
  ctx: GatewayContext,
  id: number,
  end: TransferEnd,
  /** When it ended (a retry plan counts from the same instant). */
  now = ctx.now(),
): Promise<boolean> {
  const store = ctx.stores.transfers;
  const node = ctx.nodeName;
  switch (end.event) {
    case 'complete': {
      const ok = await store.complete(id, node, now, end.checkpoint, { durable: end.durable });
      if (ok && end.isSend) ctx.metrics.bytesOut += end.checkpoint.progress;
      else if (ok) ctx.metrics.bytesIn += end.checkpoint.progress;
      return ok;
    }
    case 'fail':
      return store.fail(id, node, now, end.error, end.retry, end.checkpoint);
    case 'interrupt':
    case 'pause':
      return store.stopRunning(id, node, now, statusOf(end.event), end.error, end.checkpoint);
    case 'cancel':
      return store.cancelRunning(id, node, now, end.checkpoint);
    case 'discard':
      return store.discard(id, node);
  }
}

function statusOf<E extends 'interrupt' | 'pause'>(event: E): (typeof transferTransitions)[E]['to'] {
  return transferTransitions[event].to;
}
