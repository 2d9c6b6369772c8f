import { resolve } from 'node:path';
import type { AddressIndirection, GatewayConfig, LogLevel } from './types.js';
import type { KeyDef, KeyId, PathBase } from './schema.js';
import { schema } from './schema.js';
import { splitHostPort } from './address.js';
import { problemAt } from './settings.js';
import type { Report, Settings } from './settings.js';

export interface BuildInput {
  readonly configFile: string;
  /** The file as the operator named it, for messages. */
  readonly displayFile: string;
  readonly configDir: string;
  readonly instance: string | undefined;
  readonly settings: Settings;
  readonly indirection: AddressIndirection;
}

const defs = schema as readonly KeyDef[];
const sqliteDefault = 'waarp-gateway.db';
const mysqlDefault = 'localhost:3306';

/**
 * Turns checked settings into the frozen GatewayConfig: resolves relative paths, applies the
 * type-dependent defaults and checks the rules that span several keys (reported in `report`).
 */
export function buildConfig(input: BuildInput, report: Report): GatewayConfig {
  const { settings, configDir } = input;
  const raw = (id: KeyId): unknown => settings.get(id)?.value;
  const str = (id: KeyId): string | undefined => {
    const v = raw(id);
    return typeof v === 'string' ? v : undefined;
  };
  const num = (id: KeyId): number => {
    const v = raw(id);
    return typeof v === 'number' ? v : 0;
  };
  const problem = (id: KeyId, message: string): void => {
    report.problems.push(problemAt(settings, id, input.displayFile, message));
  };

  const home = resolve(configDir, str('paths.gatewayHome') ?? '.');
  const path = (id: KeyId): string | undefined => {
    const v = str(id);
    if (v === undefined || v === '') return undefined;
    const base: PathBase | undefined = defs.find((d) => d.id === id)?.path;
    return resolve(base === 'home' ? home : configDir, v);
  };

  const logTo = str('log.logTo') ?? 'stdout';
  const lowerLogTo = logTo.toLowerCase();
  const tlsCert = path('admin.tlsCert');
  const tlsKey = path('admin.tlsKey');
  if ((tlsCert === undefined) !== (tlsKey === undefined)) {
    const [set, missing] =
      tlsCert === undefined ? (['admin.tlsKey', 'TLSCert'] as const) : (['admin.tlsCert', 'TLSKey'] as const);
    problem(set, `${missing} must be set too (TLS needs both a certificate and a key)`);
  }

  const dbType = str('database.type') === 'mysql' ? 'mysql' : 'sqlite';
  const dbAddress = str('database.address');
  const dbName = str('database.name') ?? '';
  let address: string;
  if (dbType === 'sqlite') {
    address = resolve(home, dbAddress === undefined || dbAddress === '' ? sqliteDefault : dbAddress);
  } else {
    address = dbAddress === undefined || dbAddress === '' ? mysqlDefault : dbAddress;
    if (splitHostPort(address) === undefined)
      problem('database.address', `${JSON.stringify(address)} is not host[:port]`);
    if (dbName === '') problem('database.type', 'mysql needs [database] Name (the database name)');
  }

  const heartbeat = num('cluster.heartbeatInterval');
  const nodeTimeout = num('cluster.nodeTimeout');
  if (nodeTimeout <= heartbeat) {
    problem(
      'cluster.nodeTimeout',
      `must be longer than HeartbeatInterval (${heartbeat}ms), or live nodes look dead`,
    );
  }

  const config: GatewayConfig = {
    configFile: input.configFile,
    configDir,
    instance: input.instance,
    global: { gatewayName: str('global.gatewayName') ?? '' },
    paths: {
      gatewayHome: home,
      defaultInDir: path('paths.defaultInDir') ?? home,
      defaultOutDir: path('paths.defaultOutDir') ?? home,
      defaultTmpDir: path('paths.defaultTmpDir') ?? home,
      filePermissions: num('paths.filePermissions'),
      directoryPermissions: num('paths.directoryPermissions'),
    },
    log: {
      level: (str('log.level') ?? 'info') as LogLevel,
      logTo: lowerLogTo === 'stdout' || lowerLogTo === 'stderr' ? lowerLogTo : resolve(home, logTo),
    },
    admin: {
      host: str('admin.host') ?? '127.0.0.1',
      port: num('admin.port'),
      tlsCert,
      tlsKey,
      trustedProxies: Object.freeze([
        ...((raw('admin.trustedProxies') as readonly string[] | undefined) ?? []),
      ]),
      disableWebUI: raw('admin.disableWebUI') === true,
      webUISessionIdleMs: num('admin.webUISessionIdle'),
      webUISessionLifetimeMs: num('admin.webUISessionLifetime'),
    },
    database: {
      type: dbType,
      address,
      name: dbName,
      user: str('database.user') ?? '',
      password: str('database.password') ?? '',
      aesPassphrase: path('database.aesPassphrase') ?? resolve(configDir, 'passphrase.aes'),
    },
    controller: {
      delayMs: num('controller.delay'),
      maxTransferIn: num('controller.maxTransferIn'),
      maxTransferOut: num('controller.maxTransferOut'),
      uploadBufferBytes: num('controller.uploadBufferMiB') * 1024 * 1024,
      downloadResumeTimeoutMs: num('controller.downloadResumeTimeout'),
    },
    cluster: {
      heartbeatIntervalMs: heartbeat,
      nodeTimeoutMs: nodeTimeout,
      drainGraceMs: num('cluster.drainGrace'),
      drainNoticeMs: num('cluster.drainNotice'),
      clockSkewWarningMs: num('cluster.clockSkewWarning'),
      maxClockSkewMs: num('cluster.maxClockSkew'),
    },
    security: {
      maxLoginFailures: num('security.maxLoginFailures'),
      failureWindowMs: num('security.failureWindow'),
      banDurationMs: num('security.banDuration'),
      minPasswordLength: num('security.minPasswordLength'),
      allowedPrograms: Object.freeze([
        ...((raw('security.allowedPrograms') as readonly string[] | undefined) ?? []),
      ]),
      allowedDirectories: Object.freeze([
        ...((raw('security.allowedDirectories') as readonly string[] | undefined) ?? []),
      ]),
      exemptAddresses: Object.freeze([
        ...((raw('security.exemptAddresses') as readonly string[] | undefined) ?? []),
      ]),
      loginGraceMs: num('security.loginGraceTime'),
      perSourceMaxStartups: num('security.perSourceMaxStartups'),
      maxStartups: num('security.maxStartups'),
    },
    audit: { retentionMs: num('audit.retention') },
    indirection: input.indirection,
  };
  return deepFreeze(config);
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}
