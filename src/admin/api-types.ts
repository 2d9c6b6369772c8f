/**
 * The REST API's JSON shapes, as the reference's `pkg/admin/rest/api` (camelCase field names).
 * Shared with the CLI, which imports nothing else from the server.
 */

export interface ErrorBody {
  error: { code: string; message: string; requestId?: string };
}

export interface AuthorizedRules {
  sending: string[];
  reception: string[];
}

export interface UserOut {
  username: string;
  perms: Record<string, string>;
}

export interface ServerOut {
  name: string;
  protocol: string;
  address: string;
  enabled: boolean;
  rootDir: string;
  receiveDir: string;
  sendDir: string;
  tmpReceiveDir: string;
  protoConfig: Record<string, unknown>;
  credentials: string[];
  authorizedRules: AuthorizedRules;
}

export interface PartnerOut {
  name: string;
  protocol: string;
  address: string;
  protoConfig: Record<string, unknown>;
  credentials: string[];
  authorizedRules: AuthorizedRules;
}

export interface LocalAccountOut {
  login: string;
  ipAddresses: string[];
  credentials: string[];
  authorizedRules: AuthorizedRules;
}

export interface RemoteAccountOut {
  login: string;
  credentials: string[];
  authorizedRules: AuthorizedRules;
}

/** Secrets are never returned: `value` is the public key for SSH keys, absent for passwords. */
export interface CredentialOut {
  name: string;
  type: string;
  value?: string;
  value2?: string;
}

export interface ClientOut {
  name: string;
  protocol: string;
  enabled: boolean;
  localAddress: string;
  nbOfAttempts: number;
  firstRetryDelay: number;
  retryIncrementFactor: number;
  protoConfig: Record<string, unknown>;
}

export interface TaskOut {
  type: string;
  args: Record<string, string>;
}

export interface RuleOut {
  name: string;
  isSend: boolean;
  comment: string;
  path: string;
  localDir: string;
  remoteDir: string;
  tmpLocalRcvDir: string;
  /** Every account of the rule sees every file of its receive folder (false: each its own). */
  sharedFolder: boolean;
  /** What partners may change in its folder; null: the direction's default. */
  partnerChanges: string[] | null;
  /** What partners may change, in effect. */
  allowedChanges: string[];
  preTasks: TaskOut[];
  postTasks: TaskOut[];
  errorTasks: TaskOut[];
  authorized: {
    servers: string[];
    partners: string[];
    localAccounts: Record<string, string[]>;
    remoteAccounts: Record<string, string[]>;
  };
}

/** Times are RFC 3339 strings; `stop` and `nextAttempt` are absent when unset. */
export interface TransferOut {
  id: number;
  remoteID: string;
  rule: string;
  isServer: boolean;
  isSend: boolean;
  client: string;
  requester: string;
  requested: string;
  protocol: string;
  srcFilename: string;
  destFilename: string;
  localFilepath: string;
  remoteFilepath: string;
  filesize: number;
  start: string;
  stop?: string;
  status: string;
  step: string;
  progress: number;
  taskNumber: number;
  errorCode: string;
  errorMsg: string;
  transferInfo: Record<string, unknown>;
  remainingAttempts: number;
  nextAttempt?: string;
  nextRetryDelay: number;
  retryIncrementFactor: number;
  /** Ours: the node that runs (or last ran) it. */
  node: string | null;
}

export interface ServiceOut {
  name: string;
  state: string;
  reason: string;
}

export interface AboutOut {
  serverName: string;
  version: string;
  nodeName: string;
  gatewayName: string;
  coreServices: ServiceOut[];
  servers: ServiceOut[];
  clients: ServiceOut[];
}

export interface NodeOut {
  name: string;
  state: string;
  alive: boolean;
  lastHeartbeat: string;
  startedAt: string;
  version: string;
  host: string;
  adminAddress: string;
  runningTransfers: number;
  /** The node's clock minus the database's at its last heartbeat (ms); null: not measured yet. */
  clockOffsetMs: number | null;
}

export interface BanOut {
  address: string;
  /** The protocol the address is banned from (failures are counted per protocol). */
  protocol: 'sftp' | 'rest';
  failures: number;
  bannedUntil: string;
}

/** One entry of the audit trail of partners' changes (`GET /api/audit`). */
export interface AuditEntryOut {
  id: number;
  time: string;
  node: string;
  protocol: string;
  server: string;
  account: string;
  remoteAddress: string;
  rule: string;
  isSend: boolean;
  operation: string;
  path: string;
  target: string;
  localPath: string;
  result: 'done' | 'refused' | 'failed';
  reason: string;
  details: Record<string, unknown>;
}
