import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import type { GatewayContext } from '../../../src/gateway/context.js';
import type { NormalizedTransfer } from '../../../src/db/stores/transfers.js';

export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** Writes `size` random bytes (in 1 MiB blocks, so large files cost little memory). */
export async function writeRandomFile(path: string, size: number): Promise<void> {
  writeFileSync(path, '');
  const fh = await open(path, 'w');
  const block = randomBytes(Math.min(size, 1 << 20));
  for (let off = 0; off < size; off += block.length) {
    await fh.write(block, 0, Math.min(block.length, size - off), off);
  }
  await fh.close();
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
