/**
 * The effective configuration of one gateway node: `gatewayd.ini`, then the
 * `WAARP_GATEWAY_*` environment overrides, then the node's `<instance>.ini` indirections.
 * Every path here is absolute; every duration is in milliseconds.
 */
export interface GatewayConfig {
  /** Absolute path of the main configuration file. */
  readonly configFile: string;
  /** Folder of the main configuration file (override files live beside it). */
  readonly configDir: string;
  /** Node name from `-i/--instance` (or WAARP_GATEWAY_NODE_ID); undefined for a lone node. */
  readonly instance: string | undefined;
  readonly global: { readonly gatewayName: string };
  readonly paths: {
    readonly gatewayHome: string;
    readonly defaultInDir: string;
    readonly defaultOutDir: string;
    readonly defaultTmpDir: string;
    /** Mode bits for created files, e.g. 0o640. */
    readonly filePermissions: number;
    /** Mode bits for created directories, e.g. 0o750. */
    readonly directoryPermissions: number;
  };
  readonly log: {
    readonly level: LogLevel;
    /** 'stdout', 'stderr' or an absolute file path. */
    readonly logTo: string;
  };
  readonly admin: {
    readonly host: string;
    readonly port: number;
    readonly tlsCert: string | undefined;
    readonly tlsKey: string | undefined;
    /** CIDRs whose X-Forwarded-For / PROXY headers are trusted (the load balancer's network). */
    readonly trustedProxies: readonly string[];
    /** No web console on this node (src/webui). */
    readonly disableWebUI: boolean;
    /** Web console sessions: idle timeout and absolute lifetime. */
    readonly webUISessionIdleMs: number;
    readonly webUISessionLifetimeMs: number;
  };
  readonly database: {
    readonly type: 'sqlite' | 'mysql';
    /** SQLite: absolute file path. MySQL: host[:port]. */
    readonly address: string;
    readonly name: string;
    readonly user: string;
    readonly password: string;
    /** Absolute path of the 32-byte AES key file shared by every node. */
    readonly aesPassphrase: string;
  };
  readonly controller: {
    readonly delayMs: number;
    /** Concurrent server-side transfers per node; 0 = unlimited. */
    readonly maxTransferIn: number;
    /** Concurrent client-side transfers per node; 0 = the default cap (see claimBatch). */
    readonly maxTransferOut: number;
    /** Upload bytes waiting for the disk, all SFTP connections of the node together. */
    readonly uploadBufferBytes: number;
    /** How long a cut-off partner download may be resumed before it is CANCELLED. */
    readonly downloadResumeTimeoutMs: number;
  };
  readonly cluster: {
    readonly heartbeatIntervalMs: number;
    /** A node whose heartbeat is older than this is dead; its leases lapse. */
    readonly nodeTimeoutMs: number;
    /** How long a SIGTERM waits for running transfers before interrupting them. */
    readonly drainGraceMs: number;
    /** How long a SIGTERM keeps the listeners open after /lbz turns 404 (the balancer's check). */
    readonly drainNoticeMs: number;
    /** Clock offset to the database above which the node warns; 0 = never. */
    readonly clockSkewWarningMs: number;
    /** Clock offset to the database above which the node is not ready; 0 = no limit. */
    readonly maxClockSkewMs: number;
  };
  /**
   * Failed logins per source address and protocol, counted in the database for the whole cluster,
   * the bounds on SFTP connections that have not logged in yet (per node), the password policy
   * and what needs administration:w.
   */
  readonly security: {
    /** 0 disables the defence. */
    readonly maxLoginFailures: number;
    readonly failureWindowMs: number;
    readonly banDurationMs: number;
    // Issue #15: the password policy and what needs administration:w.
    /** Fewest characters of a password set through the API. */
    readonly minPasswordLength: number;
    /** Programs users without administration:w may name in EXEC tasks (absolute). */
    readonly allowedPrograms: readonly string[];
    /** Folders outside GatewayHome users without administration:w may use (absolute). */
    readonly allowedDirectories: readonly string[];
    /** CIDRs never counted nor banned. */
    readonly exemptAddresses: readonly string[];
    /** Time an SFTP connection has to log in; 0 = no limit. */
    readonly loginGraceMs: number;
    /** Unauthenticated SFTP connections per address on a node; 0 = no cap. */
    readonly perSourceMaxStartups: number;
    /** Unauthenticated SFTP connections on a node; 0 = no cap. */
    readonly maxStartups: number;
  };
  readonly audit: {
    /** How long audit entries are kept. */
    readonly retentionMs: number;
  };
  /** Address indirections of this node (`[Address Indirection]` of `<instance>.ini`). */
  readonly indirection: AddressIndirection;
}

export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal';

/** The node's address indirection table, as the reference's `GetRealAddress`. */
export interface AddressIndirection {
  /**
   * Maps a public `host:port` to this node's real one: exact `host:port` first, then the host
   * alone (keeping the original port), else unchanged.
   */
  resolve(address: string): string;
  /** The table as written: target -> replacement. */
  entries(): ReadonlyMap<string, string>;
  /** The override file it was read from, or undefined when none. */
  readonly file: string | undefined;
}
