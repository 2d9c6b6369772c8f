/**
 * The composition root of one gateway node: opens and migrates the database, registers the
 * node, starts the admin API, the protocol servers, the controller and the cluster loops,
 * and stops them in the reverse order with a graceful drain.
 */
import { mkdirSync } from 'node:fs';
import { checkAdminAddress, startAdminServer } from '../admin/server.js';
import { ensureAdminUser } from '../admin/bootstrap.js';
import { ActionPoller } from '../cluster/actions.js';
import { Membership } from '../cluster/membership.js';
import { Metrics } from '../cluster/metrics.js';
import { SharedVolume } from '../cluster/volume.js';
import { Controller } from '../controller/controller.js';
import { protectGatewayFiles } from '../config/gateway-files.js';
import type { GatewayConfig } from '../config/types.js';
import type { SecretBox } from '../crypto/secret-box.js';
import { latestSchemaVersion } from '../db/migrations.js';
import { createStores } from '../db/stores/index.js';
import type { GatewayContext } from '../gateway/context.js';
import { NodeHealth, ServiceRegistry } from '../gateway/context.js';
import type { Logger } from '../log.js';
import { createSftpService } from '../sftp/service.js';
import { Housekeeping } from '../transfer/housekeeping.js';
import { RunningTransfers } from '../transfer/registry.js';
import { sleep } from '../util/timers.js';
import { version } from '../version.js';
import { checkSchema, connectDatabase, migrateDatabase } from './database.js';
import { openSecrets } from './secrets.js';

export interface NodeOptions {
  /** How long to keep trying to reach the database at start (containers start in any order). */
  databaseWaitMs?: number;
  /** Migrate at start (default true; `waarp-gatewayd migrate` does it alone). */
  migrate?: boolean;
}

export interface RunningNode {
  readonly ctx: GatewayContext;
  /** `host:port` the admin API listens on. */
  readonly adminAddress: string;
  /** The SFTP listeners, for tests and logs. */
  sftpListeners(): { server: string; address: string; port: number }[];
  /**
   * Graceful stop: not ready at once, stop accepting, give running transfers `graceMs` to end,
   * interrupt the rest (progress saved, leases released), then close everything.
   */
  stop(graceMs?: number): Promise<void>;
}

export async function startNode(
  config: GatewayConfig,
  log: Logger,
  options: NodeOptions = {},
): Promise<RunningNode> {
  const nodeName = config.instance ?? config.global.gatewayName;
  // The files were checked while the configuration loaded; the port is checked here, before
  // anything is created or opened.
  await checkAdminAddress(config);
  protectGatewayFiles(config);
  makeDirectories(config);
  const db = await connectDatabase(config, log, options.databaseWaitMs ?? 30_000);
  const stores = createStores(db, config.global.gatewayName);
  let secrets: SecretBox;
  try {
    if (options.migrate ?? true) await migrateDatabase(db, nodeName, log);
    await checkSchema(db, log);
    secrets = await openSecrets(config, stores);
  } catch (err) {
    await db.close();
    throw err;
  }

  let volume: SharedVolume | undefined;
  const ctx: GatewayContext = {
    config,
    stores,
    secrets,
    log,
    nodeName,
    version,
    services: new ServiceRegistry(),
    health: new NodeHealth(),
    running: new RunningTransfers(),
    metrics: new Metrics(),
    now: () => Date.now(),
    get volume() {
      return volume;
    },
  };

  let adminAddress = '';
  const membership = new Membership(ctx, () => adminAddress, latestSchemaVersion);
  try {
    await membership.register();
    await ensureAdminUser(ctx);
    volume = new SharedVolume(ctx);
    await volume.start();
  } catch (err) {
    // An open pool would keep the process alive after the error: exit instead, so that a
    // supervisor (systemd, Docker) restarts it.
    await db.close().catch(() => undefined);
    throw err;
  }

  let admin: Awaited<ReturnType<typeof startAdminServer>>;
  try {
    admin = await startAdminServer(ctx);
  } catch (err) {
    // Taken since the check (a race): leave as cleanly as a failed check would.
    await membership.stop().catch(() => undefined);
    await db.close().catch(() => undefined);
    throw err;
  }
  adminAddress = `${admin.address}:${admin.port}`;
  const sftp = createSftpService(ctx);
  await sftp.start();
  const actions = new ActionPoller(ctx);
  const controller = new Controller(ctx);
  const housekeeping = new Housekeeping(ctx);

  membership.setState('running');
  membership.start();
  actions.start();
  housekeeping.start();
  ctx.health.started = true;
  controller.start();
  log.info({ node: nodeName, admin: adminAddress, sftp: sftp.listeners() }, 'gateway node started');

  let stopping: Promise<void> | undefined;
  const stop = async (
    graceMs = config.cluster.drainGraceMs,
    noticeMs = config.cluster.drainNoticeMs,
  ): Promise<void> => {
    ctx.health.draining = true;
    membership.setState('draining');
    await membership.beat().catch(() => undefined);
    log.info(
      { graceMs, noticeMs, running: ctx.running.count() },
      'draining: no new sessions, waiting for running transfers',
    );
    // A balancer sends new sessions until its next check sees /lbz 404; closing the listeners
    // before that would reset the connections it is still relaying (a client cut mid-handshake).
    if (noticeMs > 0) await sleep(noticeMs);
    await sftp.stop();
    await controller.stop();
    const deadline = Date.now() + graceMs;
    await waitForTransfers(ctx, graceMs);
    // Then let idle sessions close on their own (a client ending its batch), within the grace:
    // cutting them would make an `sftp` batch that just finished exit with an error.
    while (sftp.connectionCount() > 0 && Date.now() < deadline) await sleep(100);
    ctx.health.closing = true;
    const left = ctx.running.list();
    if (left.length > 0) {
      log.warn({ count: left.length }, 'grace period over: interrupting the remaining transfers');
      await Promise.allSettled(left.map((t) => t.stop('interrupt')));
    }
    await sftp.closeAllSessions();
    await actions.stop();
    await housekeeping.stop();
    await volume?.stop();
    await membership.stop();
    await admin.close();
    await db.close();
    log.info('gateway node stopped');
  };

  return {
    ctx,
    adminAddress,
    sftpListeners: () => sftp.listeners(),
    stop: (graceMs) => (stopping ??= stop(graceMs)),
  };
}

function makeDirectories(config: GatewayConfig): void {
  const mode = config.paths.directoryPermissions;
  for (const dir of [
    config.paths.gatewayHome,
    config.paths.defaultInDir,
    config.paths.defaultOutDir,
    config.paths.defaultTmpDir,
  ]) {
    mkdirSync(dir, { recursive: true, mode });
  }
}

async function waitForTransfers(ctx: GatewayContext, graceMs: number): Promise<void> {
  const deadline = Date.now() + graceMs;
  while (ctx.running.count() > 0 && Date.now() < deadline) {
    await Promise.race([Promise.allSettled(ctx.running.list().map((t) => t.finished)), sleep(250)]);
  }
}
