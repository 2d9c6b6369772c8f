/**
 * The shared volume (GatewayHome) as this node sees it. Every node of a cluster must see the same
 * folder. A node whose mount went away (unmounted: the path now shows the empty mount point on its
 * local disk) or turned read-only must take no work and give back what it runs: otherwise it
 * writes files no other node sees and reports DONE for files that are not on the shared volume.
 *
 * The volume carries a marker file, `GatewayHome/.waarp-gateway-volume`, holding an id that the
 * database keeps too (created by the first node). Each node checks, at start, on every heartbeat
 * and before it opens an upload, that it can open that file for writing (the volume is mounted,
 * not read-only) and reads that id in it (the right volume is mounted). A check that does not
 * answer within NodeTimeout (at least 5 s) fails too: a hung network filesystem.
 */
import { randomUUID } from 'node:crypto';
import { open, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { GatewayContext } from '../gateway/context.js';
import { Ticker } from '../util/timers.js';

export const volumeMarkerName = '.waarp-gateway-volume';
/** A check gets at least this long to answer (a busy network filesystem is not a lost one). */
const minAnswerMs = 5000;
const settingName = 'shared_volume_id';

/**
 * Why this node cannot use the shared volume, or undefined when it can. One open of the marker
 * for writing (never creating it) tells both: ENOENT, the volume is not there (it would be the
 * mount point's local folder); EROFS or EACCES, it refuses writes. Then its id must be the
 * database's (the right volume is mounted). Nothing is ever written where the volume should be.
 */
export async function volumeProblem(home: string, expectedId: string): Promise<string | undefined> {
  const marker = join(home, volumeMarkerName);
  let found: string;
  try {
    const fh = await open(marker, 'r+');
    try {
      found = (await fh.readFile('utf8')).trim();
    } finally {
      await fh.close();
    }
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? String(err);
    return code === 'ENOENT'
      ? `the shared volume is not there: no ${marker}; is GatewayHome mounted?`
      : `the shared volume ${home} refuses writes (${code} on ${marker})`;
  }
  if (found !== expectedId) {
    return `${home} is not the cluster's shared volume: ${marker} holds "${found}", the database "${expectedId}"`;
  }
  return undefined;
}

/** `problem(…)`, or a problem of its own when it does not answer within `ms`. */
async function within(ms: number, check: Promise<string | undefined>): Promise<string | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<string>((resolve) => {
    timer = setTimeout(() => resolve(`the shared volume did not answer within ${ms} ms`), ms);
  });
  try {
    return await Promise.race([check, late]);
  } finally {
    clearTimeout(timer);
  }
}

export class SharedVolume {
  #id: string | undefined;
  #ticker: Ticker | undefined;

  constructor(private readonly ctx: GatewayContext) {}

  /**
   * The cluster's volume id: the database's, or a new one written to the marker first (the first
   * node of a cluster, or an install from before the marker). Then the first check.
   */
  async start(): Promise<void> {
    const { ctx } = this;
    const home = ctx.config.paths.gatewayHome;
    const marker = join(home, volumeMarkerName);
    let id = await ctx.stores.settings.get(settingName);
    if (id === undefined) {
      const existing = await readFile(marker, 'utf8').then(
        (t) => t.trim(),
        () => undefined,
      );
      id = await ctx.stores.settings.getOrCreate(settingName, () => existing ?? randomUUID());
      if (id !== existing) {
        // Written whole or not at all: a node checking meanwhile never reads half an id.
        const tmp = `${marker}.${ctx.nodeName}.tmp`;
        await writeFile(tmp, `${id}\n`);
        await rename(tmp, marker);
        ctx.log.info({ marker, id }, 'marked GatewayHome as the cluster shared volume');
      }
    }
    this.#id = id;
    await this.check();
    this.#ticker = new Ticker(
      ctx.config.cluster.heartbeatIntervalMs,
      async () => {
        await this.check();
      },
      (err) => ctx.log.error({ err }, 'shared volume check failed'),
    );
    this.#ticker.start(false);
  }

  stop(): Promise<void> {
    return this.#ticker?.stop() ?? Promise.resolve();
  }

  /**
   * Checks the volume now and records the verdict in the node's health. On loss, the node's
   * server and client transfers are interrupted (their progress saved): others resume them from
   * the files they do see.
   */
  async check(): Promise<string | undefined> {
    const { ctx } = this;
    if (this.#id === undefined) return undefined;
    const problem = await within(
      Math.max(ctx.config.cluster.nodeTimeoutMs, minAnswerMs),
      volumeProblem(ctx.config.paths.gatewayHome, this.#id),
    );
    const before = ctx.health.volumeProblem;
    ctx.health.volumeProblem = problem;
    if (problem !== undefined && before === undefined) {
      const running = ctx.running.list();
      ctx.log.error(
        { running: running.length },
        `${problem}: not ready, interrupting this node's transfers so that other nodes resume them`,
      );
      await Promise.allSettled(running.map((t) => t.stop('interrupt')));
    } else if (problem === undefined && before !== undefined) {
      ctx.log.info('the shared volume is back: ready again');
    }
    return problem;
  }
}
