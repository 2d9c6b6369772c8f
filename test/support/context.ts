/**
 * A GatewayContext for in-process tests of one service (admin API, SFTP server) without the
 * whole daemon: the configuration a loaded gatewayd.ini would give, on a test database.
 */
import { join } from 'node:path';
import { Metrics } from '../../src/cluster/metrics.js';
import { protectGatewayFiles } from '../../src/config/gateway-files.js';
import { emptyIndirection } from '../../src/config/indirection.js';
import type { GatewayConfig } from '../../src/config/types.js';
import { SecretBox } from '../../src/crypto/secret-box.js';
import type { SqlDatabase } from '../../src/db/sql.js';
import { createStores } from '../../src/db/stores/index.js';
import type { GatewayContext } from '../../src/gateway/context.js';
import { NodeHealth, ServiceRegistry } from '../../src/gateway/context.js';
import { silentLogger } from '../../src/log.js';
import { RunningTransfers } from '../../src/transfer/registry.js';
import type { TestDbConfig } from './test-db.js';

export interface TestConfigOptions {
  home: string;
  configDir: string;
  db: TestDbConfig;
  instance?: string | undefined;
  gatewayName?: string;
  maxTransferIn?: number;
  uploadBufferBytes?: number;
  nodeTimeoutMs?: number;
}

export function testConfig(o: TestConfigOptions): GatewayConfig {
  return {
    configFile: join(o.configDir, 'gatewayd.ini'),
    configDir: o.configDir,
    instance: o.instance,
    global: { gatewayName: o.gatewayName ?? 'test-gw' },
    paths: {
      gatewayHome: o.home,
      defaultInDir: join(o.home, 'in'),
      defaultOutDir: join(o.home, 'out'),
      defaultTmpDir: join(o.home, 'tmp'),
      filePermissions: 0o640,
      directoryPermissions: 0o750,
    },
    log: { level: 'error', logTo: 'stderr' },
    admin: {
      host: '127.0.0.1',
      port: 0,
      tlsCert: undefined,
      tlsKey: undefined,
      trustedProxies: [],
      disableWebUI: false,
      webUISessionIdleMs: 15 * 60_000,
      webUISessionLifetimeMs: 8 * 3_600_000,
    },
    database: {
      type: o.db.type,
      address: o.db.address,
      name: o.db.name,
      user: o.db.user,
      password: o.db.password,
      aesPassphrase: join(o.configDir, 'passphrase.aes'),
    },
    controller: {
      delayMs: 1000,
      maxTransferIn: o.maxTransferIn ?? 0,
      maxTransferOut: 0,
      uploadBufferBytes: o.uploadBufferBytes ?? 64 << 20,
      downloadResumeTimeoutMs: 3_600_000,
    },
    cluster: {
      heartbeatIntervalMs: 1000,
      nodeTimeoutMs: o.nodeTimeoutMs ?? 5000,
      drainGraceMs: 1000,
      drainNoticeMs: 0,
      clockSkewWarningMs: 1000,
      maxClockSkewMs: 10_000,
    },
    security: {
      maxLoginFailures: 0,
      failureWindowMs: 300_000,
      banDurationMs: 900_000,
      minPasswordLength: 12,
      allowedPrograms: [],
      allowedDirectories: [],
      exemptAddresses: [],
      loginGraceMs: 120_000,
      perSourceMaxStartups: 0,
      maxStartups: 0,
    },
    audit: { retentionMs: 90 * 86_400_000 },
    indirection: emptyIndirection(),
  };
}

export function testContext(
  config: GatewayConfig,
  db: SqlDatabase,
  nodeName: string,
  version = 'test',
): GatewayContext {
  // As a node does when it starts (src/daemon/node.ts).
  protectGatewayFiles(config);
  return {
    config,
    stores: createStores(db, config.global.gatewayName),
    secrets: SecretBox.fromKeyFile(config.database.aesPassphrase),
    log: silentLogger(),
    nodeName,
    version,
    services: new ServiceRegistry(),
    health: new NodeHealth(),
    running: new RunningTransfers(),
    metrics: new Metrics(),
    now: () => Date.now(),
  };
}
