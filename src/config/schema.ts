import { isIP } from 'node:net';
import type { ValueType } from './values.js';

/**
 * The declarative description of `gatewayd.ini`: the single place that says which sections and
 * keys exist, their type, default, aliases, documentation and environment variable. Parsing,
 * environment overrides and the generated default file all read this table, so they cannot drift.
 */

/** Prefix of every environment override (the reference's container names). */
export const envPrefix = 'WAARP_GATEWAY_';
/** Gives the node name when `-i/--instance` is absent (the reference's container entrypoint). */
export const instanceEnvVar = `${envPrefix}NODE_ID`;
/** `WAARP_GATEWAY_*` variables that are read elsewhere, so not reported as unknown. */
export const otherEnvVars: readonly string[] = [
  instanceEnvVar,
  `${envPrefix}CONFIG`,
  // Read by the first start to create the admin user (src/admin/bootstrap.ts).
  `${envPrefix}ADMIN_PASSWORD`,
  // Read by the CLI, waarp-gateway (src/cli): often exported in the shell that starts the daemon.
  `${envPrefix}ADDRESS`,
  `${envPrefix}PASSWORD`,
  `${envPrefix}INSECURE`,
];

/** Relative values of path keys resolve against the config file's folder or against GatewayHome. */
export type PathBase = 'configDir' | 'home';

export interface KeyDef {
  /** `section.key`, the handle the loader uses. */
  readonly id: string;
  /** Canonical section name (sections are case-insensitive). */
  readonly section: string;
  /** Canonical key name (keys are case-insensitive). */
  readonly key: string;
  /** Other accepted spellings (the reference's Go field names and documented names). */
  readonly aliases?: readonly string[];
  /** Old spellings still accepted, with a warning. */
  readonly deprecated?: readonly string[];
  readonly type: ValueType;
  /** The default as it would be written in the file; undefined = unset (see `defaultNote`). */
  readonly default: string | undefined;
  /** Says what an unset key means when there is no plain default. */
  readonly defaultNote?: string;
  /** One line of documentation. */
  readonly doc: string;
  /** Environment variable overriding the file, without the `WAARP_GATEWAY_` prefix. */
  readonly env?: string;
  readonly path?: PathBase;
}

export interface SectionDef {
  readonly name: string;
  readonly doc: string;
}

export const sections: readonly SectionDef[] = [
  { name: 'global', doc: 'Identity of the gateway.' },
  { name: 'paths', doc: 'Where the gateway keeps its files.' },
  { name: 'log', doc: 'Logging.' },
  { name: 'admin', doc: 'The REST administration interface.' },
  { name: 'database', doc: 'The database shared by every node of the gateway.' },
  { name: 'controller', doc: 'The scheduler of planned client transfers.' },
  { name: 'cluster', doc: 'Cluster membership (not in the reference).' },
  {
    name: 'security',
    doc: 'Defence against password guessing and connection floods, the password policy, and what needs administration:w (not in the reference).',
  },
  { name: 'audit', doc: "The audit trail of partners' changes to their folders (not in the reference)." },
];

const nonEmpty = (v: string): string | undefined => (v === '' ? 'must not be empty' : undefined);

const logTarget = (v: string): string | undefined => {
  if (v === '') return 'must not be empty';
  if (v.toLowerCase() === 'syslog') return 'syslog is not supported; use stdout, stderr or a file path';
  return undefined;
};

const bindHost = (v: string): string | undefined => {
  if (v === '') return 'must not be empty';
  // An IPv6 literal has colons; anything else with one is a host:port mistake.
  if (v.includes(':') && isIP(v) !== 6)
    return `${JSON.stringify(v)} must be a host or IP without port (see Port)`;
  return undefined;
};

const anyText: ValueType = { kind: 'string' };
const nonEmptyText: ValueType = { kind: 'string', check: nonEmpty };
const port: ValueType = { kind: 'int', min: 0, max: 65535 };
const count: ValueType = { kind: 'int', min: 0, max: 1_000_000 };

export const schema = [
  {
    id: 'global.gatewayName',
    section: 'global',
    key: 'GatewayName',
    type: nonEmptyText,
    default: 'waarp-gateway',
    doc: 'Name of the gateway, identical on every node of a cluster; it owns the rows of the database.',
    env: 'NAME',
  },
  {
    id: 'paths.gatewayHome',
    section: 'paths',
    key: 'GatewayHome',
    type: nonEmptyText,
    default: '.',
    doc: "Root folder of the gateway's files; relative to this file's folder (the reference uses the cwd).",
    env: 'HOME',
    path: 'configDir',
  },
  {
    id: 'paths.defaultInDir',
    section: 'paths',
    key: 'DefaultInDir',
    aliases: ['DefaultInDirectory'],
    deprecated: ['InDirectory'],
    type: nonEmptyText,
    default: 'in',
    doc: 'Default folder of received files; relative to GatewayHome.',
    env: 'IN_DIR',
    path: 'home',
  },
  {
    id: 'paths.defaultOutDir',
    section: 'paths',
    key: 'DefaultOutDir',
    aliases: ['DefaultOutDirectory'],
    deprecated: ['OutDirectory'],
    type: nonEmptyText,
    default: 'out',
    doc: 'Default folder of files to send; relative to GatewayHome.',
    env: 'OUT_DIR',
    path: 'home',
  },
  {
    id: 'paths.defaultTmpDir',
    section: 'paths',
    key: 'DefaultTmpDir',
    deprecated: ['WorkDirectory'],
    type: nonEmptyText,
    default: 'tmp',
    doc: 'Default folder of files being received; relative to GatewayHome.',
    env: 'TMP_DIR',
    path: 'home',
  },
  {
    id: 'paths.filePermissions',
    section: 'paths',
    key: 'FilePermissions',
    type: { kind: 'mode' },
    default: '0640',
    doc: 'Octal mode of the files the gateway creates.',
  },
  {
    id: 'paths.directoryPermissions',
    section: 'paths',
    key: 'DirectoryPermissions',
    type: { kind: 'mode' },
    default: '0750',
    doc: 'Octal mode of the folders the gateway creates.',
  },
  {
    id: 'log.level',
    section: 'log',
    key: 'Level',
    type: {
      kind: 'enum',
      values: {
        TRACE: 'trace',
        DEBUG: 'debug',
        INFO: 'info',
        WARNING: 'warn',
        ERROR: 'error',
        CRITICAL: 'fatal',
      },
    },
    default: 'INFO',
    doc: 'Minimum level of the messages logged.',
    env: 'LOG_LEVEL',
  },
  {
    id: 'log.logTo',
    section: 'log',
    key: 'LogTo',
    type: { kind: 'string', check: logTarget },
    default: 'stdout',
    doc: 'stdout, stderr, or a file path relative to GatewayHome.',
    env: 'LOG_TO',
  },
  {
    id: 'admin.host',
    section: 'admin',
    key: 'Host',
    type: { kind: 'string', check: bindHost },
    default: '127.0.0.1',
    doc: 'Listening address of the admin API; loopback by default (the reference binds 0.0.0.0).',
    env: 'ADMIN_ADDRESS',
  },
  {
    id: 'admin.port',
    section: 'admin',
    key: 'Port',
    type: port,
    default: '8080',
    doc: 'Listening port of the admin API; 0 picks a free port.',
    env: 'ADMIN_PORT',
  },
  {
    id: 'admin.tlsCert',
    section: 'admin',
    key: 'TLSCert',
    type: anyText,
    default: undefined,
    defaultNote: 'unset: plain HTTP',
    doc: "PEM certificate of the admin API (with TLSKey); relative to this file's folder.",
    env: 'ADMIN_TLS_CERT',
    path: 'configDir',
  },
  {
    id: 'admin.tlsKey',
    section: 'admin',
    key: 'TLSKey',
    type: anyText,
    default: undefined,
    defaultNote: 'unset: plain HTTP',
    doc: "PEM private key of the admin API (with TLSCert); relative to this file's folder.",
    env: 'ADMIN_TLS_KEY',
    path: 'configDir',
  },
  {
    id: 'admin.trustedProxies',
    section: 'admin',
    key: 'TrustedProxies',
    type: { kind: 'cidrs' },
    default: '',
    doc: 'Comma-separated CIDRs of the load balancers whose X-Forwarded-For / PROXY headers are trusted.',
    env: 'TRUSTED_PROXIES',
  },
  {
    id: 'admin.disableWebUI',
    section: 'admin',
    key: 'DisableWebUI',
    type: { kind: 'bool' },
    default: 'false',
    doc: 'true: no web console at /webui on this node (the REST API is served either way).',
    env: 'DISABLE_WEBUI',
  },
  {
    id: 'admin.webUISessionIdle',
    section: 'admin',
    key: 'WebUISessionIdle',
    type: { kind: 'duration', minMs: 60_000 },
    default: '15m',
    doc: 'A web console session unused for this long ends (the next page asks to log in).',
    env: 'WEBUI_SESSION_IDLE',
  },
  {
    id: 'admin.webUISessionLifetime',
    section: 'admin',
    key: 'WebUISessionLifetime',
    type: { kind: 'duration', minMs: 60_000 },
    default: '8h',
    doc: 'A web console session ends this long after its login, used or not.',
    env: 'WEBUI_SESSION_LIFETIME',
  },
  {
    id: 'database.type',
    section: 'database',
    key: 'Type',
    type: { kind: 'enum', values: { sqlite: 'sqlite', mysql: 'mysql' } },
    default: 'sqlite',
    doc: 'Database engine: sqlite (a lone node) or mysql (a cluster).',
    env: 'DB_TYPE',
  },
  {
    id: 'database.address',
    section: 'database',
    key: 'Address',
    type: anyText,
    default: undefined,
    defaultNote: 'waarp-gateway.db for sqlite, localhost:3306 for mysql',
    doc: 'sqlite: the database file, relative to GatewayHome; mysql: host[:port].',
    env: 'DB_ADDRESS',
  },
  {
    id: 'database.name',
    section: 'database',
    key: 'Name',
    aliases: ['String'],
    type: anyText,
    default: undefined,
    defaultNote: 'required for mysql',
    doc: 'Database name (mysql).',
    env: 'DB_NAME',
  },
  {
    id: 'database.user',
    section: 'database',
    key: 'User',
    type: anyText,
    default: undefined,
    defaultNote: 'empty',
    doc: 'Database user (mysql).',
    env: 'DB_USER',
  },
  {
    id: 'database.password',
    section: 'database',
    key: 'Password',
    type: anyText,
    default: undefined,
    defaultNote: 'empty',
    doc: 'Database password (mysql); quote it if it contains ; or #.',
    env: 'DB_PASSWORD',
  },
  {
    id: 'database.aesPassphrase',
    section: 'database',
    key: 'AESPassphrase',
    type: nonEmptyText,
    default: 'passphrase.aes',
    doc: "File of the 32-byte AES key shared by every node; relative to this file's folder.",
    env: 'DB_AES_PASSPHRASE',
    path: 'configDir',
  },
  {
    id: 'controller.delay',
    section: 'controller',
    key: 'Delay',
    type: { kind: 'duration', minMs: 1 },
    default: '5s',
    doc: 'How often the database is polled for planned transfers.',
    env: 'CONTROLLER_DELAY',
  },
  {
    id: 'controller.maxTransferIn',
    section: 'controller',
    key: 'MaxTransferIn',
    aliases: ['MaxTransfersIn'],
    type: count,
    default: '0',
    doc: 'Concurrent server-side transfers on this node; 0 = unlimited.',
    env: 'MAX_IN',
  },
  {
    id: 'controller.maxTransferOut',
    section: 'controller',
    key: 'MaxTransferOut',
    aliases: ['MaxTransfersOut'],
    type: count,
    default: '0',
    doc: 'Concurrent client-side transfers on this node; 0 = the built-in per-node cap.',
    env: 'MAX_OUT',
  },
  {
    id: 'controller.uploadBufferMiB',
    section: 'controller',
    key: 'UploadBuffer',
    type: { kind: 'int', min: 1, max: 65_536 },
    default: '64',
    doc:
      'MiB of received upload data waiting for the disk, all SFTP sessions of this node together. ' +
      'Above it the node stops reading from its clients until the disk catches up (memory bound).',
    env: 'UPLOAD_BUFFER',
  },
  {
    id: 'controller.downloadResumeTimeout',
    section: 'controller',
    key: 'DownloadResumeTimeout',
    type: { kind: 'duration', minMs: 1000 },
    default: '1h',
    doc:
      'How long a partner download cut off before its end (SFTP server side) stays INTERRUPTED, ' +
      'continued by a resume (reget, curl -C -); past it the record is CANCELLED.',
    env: 'DOWNLOAD_RESUME_TIMEOUT',
  },
  {
    id: 'cluster.heartbeatInterval',
    section: 'cluster',
    key: 'HeartbeatInterval',
    type: { kind: 'duration', minMs: 1 },
    default: '1s',
    doc: 'How often this node records that it is alive.',
    env: 'HEARTBEAT_INTERVAL',
  },
  {
    id: 'cluster.nodeTimeout',
    section: 'cluster',
    key: 'NodeTimeout',
    type: { kind: 'duration', minMs: 1 },
    default: '5s',
    doc: 'A node silent for longer is dead and its transfers are taken over; above HeartbeatInterval.',
    env: 'NODE_TIMEOUT',
  },
  {
    id: 'cluster.drainGrace',
    section: 'cluster',
    key: 'DrainGrace',
    type: { kind: 'duration', minMs: 0 },
    default: '30s',
    doc: 'On SIGTERM, how long running transfers may finish before they are interrupted.',
    env: 'DRAIN_GRACE',
  },
  {
    id: 'cluster.drainNotice',
    section: 'cluster',
    key: 'DrainNotice',
    type: { kind: 'duration', minMs: 0 },
    default: '0s',
    doc:
      'On SIGTERM, how long the node keeps accepting connections after /lbz turns 404, so the ' +
      "load balancer's next check sees the drain before the listeners close (behind HAProxy: " +
      'its check interval and a margin, e.g. 3s); 0 = close them at once.',
    env: 'DRAIN_NOTICE',
  },
  {
    id: 'cluster.clockSkewWarning',
    section: 'cluster',
    key: 'ClockSkewWarning',
    type: { kind: 'duration', minMs: 0 },
    default: '1s',
    doc:
      "Offset between this node's clock and the database's above which the node warns (log, " +
      '/api/cluster/nodes, /metrics); 0 = never. Leases do not depend on it; recorded times do.',
    env: 'CLOCK_SKEW_WARNING',
  },
  {
    id: 'cluster.maxClockSkew',
    section: 'cluster',
    key: 'MaxClockSkew',
    type: { kind: 'duration', minMs: 0 },
    default: '10s',
    doc:
      "Offset between this node's clock and the database's above which the node is not ready and " +
      'takes no new work, rather than write wrong times into records; 0 = no limit.',
    env: 'MAX_CLOCK_SKEW',
  },
  {
    id: 'security.maxLoginFailures',
    section: 'security',
    key: 'MaxLoginFailures',
    type: count,
    default: '10',
    doc: 'Failed logins from one address on one protocol (SFTP or REST), within FailureWindow, that ban it from that protocol on every node; 0 = off.',
    env: 'MAX_LOGIN_FAILURES',
  },
  {
    id: 'security.failureWindow',
    section: 'security',
    key: 'FailureWindow',
    type: { kind: 'duration', minMs: 1 },
    default: '5m',
    doc: 'The window in which failed logins are counted.',
    env: 'FAILURE_WINDOW',
  },
  {
    id: 'security.banDuration',
    section: 'security',
    key: 'BanDuration',
    type: { kind: 'duration', minMs: 1 },
    default: '15m',
    doc: 'How long a banned address is refused (an administrator can lift it sooner).',
    env: 'BAN_DURATION',
  },
  // Issue #15: what users may do beyond their rights, and the password policy.
  {
    id: 'security.minPasswordLength',
    section: 'security',
    key: 'MinPasswordLength',
    type: { kind: 'int', min: 1, max: 1024 },
    default: '12',
    doc: 'Fewest characters of a password set through the API (users, local accounts) or WAARP_GATEWAY_ADMIN_PASSWORD.',
    env: 'MIN_PASSWORD_LENGTH',
  },
  {
    id: 'security.allowedPrograms',
    section: 'security',
    key: 'AllowedPrograms',
    type: { kind: 'paths' },
    default: '',
    doc: 'Comma-separated absolute paths of programs that users without administration:w may run in EXEC tasks.',
    env: 'ALLOWED_PROGRAMS',
  },
  {
    id: 'security.allowedDirectories',
    section: 'security',
    key: 'AllowedDirectories',
    type: { kind: 'paths' },
    default: '',
    doc: 'Comma-separated absolute folders outside GatewayHome that users without administration:w may use.',
    env: 'ALLOWED_DIRECTORIES',
  },
  // Issue #14: bans an operator can live with, connections bounded as OpenSSH bounds them.
  {
    id: 'security.exemptAddresses',
    section: 'security',
    key: 'ExemptAddresses',
    type: { kind: 'cidrs' },
    default: '127.0.0.0/8, ::1',
    doc: "Comma-separated CIDRs never counted nor banned (the operators' own hosts); empty: none.",
    env: 'BAN_EXEMPT',
  },
  {
    id: 'security.loginGraceTime',
    section: 'security',
    key: 'LoginGraceTime',
    type: { kind: 'duration', minMs: 0 },
    default: '2m',
    doc: "Time an SFTP connection has to log in before it is closed (OpenSSH's LoginGraceTime); 0 = no limit.",
    env: 'LOGIN_GRACE_TIME',
  },
  {
    id: 'security.perSourceMaxStartups',
    section: 'security',
    key: 'PerSourceMaxStartups',
    type: count,
    default: '10',
    doc: 'SFTP connections not logged in yet from one address on a node (ExemptAddresses aside); more are refused; 0 = no cap.',
    env: 'PER_SOURCE_MAX_STARTUPS',
  },
  {
    id: 'security.maxStartups',
    section: 'security',
    key: 'MaxStartups',
    type: count,
    default: '100',
    doc: 'SFTP connections not logged in yet on a node, from all addresses; more are refused; 0 = no cap.',
    env: 'MAX_STARTUPS',
  },
  {
    id: 'audit.retention',
    section: 'audit',
    key: 'Retention',
    type: { kind: 'duration', minMs: 60_000 },
    default: '90d',
    doc: 'How long the audit trail (remove, rename, mkdir, rmdir, setstat by partners) is kept.',
    env: 'AUDIT_RETENTION',
  },
] as const satisfies readonly KeyDef[];

export type KeyId = (typeof schema)[number]['id'];

/**
 * Keys of the reference that we do not implement. Reference configs write every key, so rejecting
 * them would break every migrated file; they are ignored with a warning when `harmless`, and are an
 * error otherwise (ignoring them would silently change behaviour).
 */
export interface LegacyKeyDef {
  readonly section: string;
  readonly key: string;
  readonly note: string;
  readonly harmless: (value: string) => boolean;
}

const always = (): boolean => true;
const empty = (v: string): boolean => v === '';

export const legacyKeys: readonly LegacyKeyDef[] = [
  { section: 'log', key: 'SyslogFacility', note: 'syslog is not supported', harmless: always },
  {
    section: 'admin',
    key: 'TLSPassphrase',
    note: 'encrypted private keys are not supported; decrypt the key file',
    harmless: empty,
  },
  {
    section: 'database',
    key: 'TLSCert',
    note: 'database client certificates are not supported',
    harmless: empty,
  },
  {
    section: 'database',
    key: 'TLSKey',
    note: 'database client certificates are not supported',
    harmless: empty,
  },
];

export type KeyMatch =
  | { readonly kind: 'key'; readonly def: KeyDef; readonly deprecated: boolean }
  | { readonly kind: 'legacy'; readonly legacy: LegacyKeyDef };

const lower = (s: string): string => s.toLowerCase();

/** Finds a section by its case-insensitive name. */
export function findSection(name: string): SectionDef | undefined {
  return sections.find((s) => lower(s.name) === lower(name));
}

/** Finds a key (canonical, alias, deprecated alias, or legacy) of a section, case-insensitively. */
export function findKey(section: string, key: string): KeyMatch | undefined {
  const s = lower(section);
  const k = lower(key);
  for (const def of schema as readonly KeyDef[]) {
    if (lower(def.section) !== s) continue;
    if (lower(def.key) === k || (def.aliases ?? []).some((a) => lower(a) === k)) {
      return { kind: 'key', def, deprecated: false };
    }
    if ((def.deprecated ?? []).some((a) => lower(a) === k)) return { kind: 'key', def, deprecated: true };
  }
  const legacy = legacyKeys.find((l) => lower(l.section) === s && lower(l.key) === k);
  return legacy === undefined ? undefined : { kind: 'legacy', legacy };
}
