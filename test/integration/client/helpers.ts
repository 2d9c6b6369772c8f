import { statSync } from 'node:fs';
import type { GatewayContext } from '../../../src/gateway/context.js';
import type { NormalizedTransfer } from '../../../src/db/stores/transfers.js';

export { sha256File, writeRandomFile } from '../../support/files.js';

/** The size of the file at `path`, 0 when it does not exist (yet). */
export function fileSize(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

/** Polls `fn` until it returns a value (not undefined) or the deadline passes. */
export async function waitFor<T>(
  what: string,
  fn: () => Promise<T | undefined>,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: Error | undefined;
  while (Date.now() < deadline) {
    try {
      const v = await fn();
      if (v !== undefined) return v;
    } catch (err) {
      last = err instanceof Error ? err : new Error(String(err));
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}${last === undefined ? '' : `: ${last.message}`}`);
}

export function transferIn(
  ctx: GatewayContext,
  id: number,
  statuses: string[],
): () => Promise<NormalizedTransfer | undefined> {
  return async () => {
    const t = await ctx.stores.transfers.getNormalized(id);
    return t !== undefined && statuses.includes(t.status) ? t : undefined;
  };
}
