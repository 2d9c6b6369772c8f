/**
 * The reference's backup file, as Waarp Gateway 0.16 writes it (`waarp-gatewayd export`,
 * pkg/backup/file/file.go): field names, and which fields are left out when empty (Go's
 * `omitempty`; the others are always written, empty lists as `[]` or `null`). Our exporter
 * writes these types; the import reads them through from-reference.ts.
 *
 * Fields marked "ours" are this gateway's additions; the reference ignores unknown fields.
 */

export interface ReferenceCredential {
  name: string;
  type: string;
  value: string;
  value2: string;
}

/** The legacy form of a credential, still written beside `credentials`. */
export interface ReferenceCertificate {
  name: string;
  publicKey?: string;
  privateKey?: string;
  Certificate?: string;
}

export interface ReferenceLocalAccount {
  login: string;
  password?: string;
  credentials: ReferenceCredential[];
  /** Deprecated: the bcrypt hash, also written as a `password` credential. */
  passwordHash?: string;
  certificates?: ReferenceCertificate[];
  /** Ours: the IP allow-list. */
  ipAddresses?: string[];
}

export interface ReferenceLocalAgent {
  name: string;
  protocol: string;
  disabled: boolean;
  address: string;
  rootDir?: string;
  receiveDir?: string;
  sendDir?: string;
  tmpReceiveDir?: string;
  configuration: Record<string, unknown>;
  accounts: ReferenceLocalAccount[];
  credentials: ReferenceCredential[];
  // Deprecated, still written: the same folders, and the keys in their legacy form.
  root?: string;
  inDir?: string;
  outDir?: string;
  workDir?: string;
  certificates?: ReferenceCertificate[];
}

export interface ReferenceRemoteAccount {
  login: string;
  /** In clear, as the reference exports it (`""` when the account has none). */
  password: string;
  credentials: ReferenceCredential[];
  certificates?: ReferenceCertificate[];
}

export interface ReferenceRemoteAgent {
  name: string;
  address: string;
  protocol: string;
  configuration: Record<string, unknown>;
  accounts: ReferenceRemoteAccount[];
  credentials: ReferenceCredential[];
  certificates?: ReferenceCertificate[];
}

export interface ReferenceClient {
  name: string;
  protocol: string;
  disabled: boolean;
  localAddress?: string;
  protoConfig: Record<string, unknown>;
  nbOfAttempts: number;
  firstRetryDelay: number;
  retryIncrementFactor: number;
}

export interface ReferenceTask {
  type: string;
  args: Record<string, string>;
}

export interface ReferenceRule {
  name: string;
  isSend: boolean;
  path: string;
  localDir?: string;
  remoteDir?: string;
  tmpLocalRcvDir?: string;
  auth?: string[];
  pre?: ReferenceTask[];
  post?: ReferenceTask[];
  error?: ReferenceTask[];
  /** Ours. */
  comment?: string;
}

/** `rwd`-style rights for each target, `---` for none. */
export interface ReferencePermissions {
  transfers: string;
  servers: string;
  partners: string;
  rules: string;
  users: string;
  administration: string;
}

export interface ReferenceUser {
  username: string;
  password?: string;
  passwordHash?: string;
  permissions: ReferencePermissions;
}

/** The top level. The reference also writes the sections listed in `unsupportedSections`. */
export interface ReferenceData {
  locals?: ReferenceLocalAgent[];
  clients?: ReferenceClient[];
  remotes?: ReferenceRemoteAgent[];
  rules?: ReferenceRule[];
  users?: ReferenceUser[];
}

/** One entry of a history file (pkg/backup/file Transfer): a JSON array of these. */
export interface ReferenceTransfer {
  id: number;
  remoteId?: string;
  rule: string;
  isSend: boolean;
  isServer: boolean;
  client?: string;
  requester: string;
  requested: string;
  protocol: string;
  srcFilename?: string;
  destFilename?: string;
  localFilepath?: string;
  remoteFilepath?: string;
  filesize: number;
  /** RFC 3339. */
  start: string;
  stop?: string;
  status: string;
  step?: string;
  progress?: number;
  taskNumber?: number;
  errorCode?: string;
  errorMsg?: string;
  transferInfo?: Record<string, unknown>;
}

/** `-t/--target` values, as the reference's `import` and `export` accept them. */
export const backupTargets = [
  'rules',
  'servers',
  'partners',
  'clients',
  'users',
  'clouds',
  'snmp',
  'authorities',
  'keys',
  'email',
  'filewatchers',
  'all',
] as const;
export type BackupTarget = (typeof backupTargets)[number];

/** The top-level section each target covers. */
export const targetSections: Readonly<Record<Exclude<BackupTarget, 'all'>, string>> = {
  rules: 'rules',
  servers: 'locals',
  partners: 'remotes',
  clients: 'clients',
  users: 'users',
  clouds: 'clouds',
  snmp: 'snmpConfig',
  authorities: 'authorities',
  keys: 'cryptoKeys',
  email: 'emailConfig',
  filewatchers: 'filewatchers',
};

/** Sections the reference writes for features this gateway does not have, and why. */
export const unsupportedSections: Readonly<Record<string, string>> = {
  clouds: 'cloud storage instances are not implemented here',
  snmpConfig: 'SNMP monitoring is not implemented here',
  authorities: 'certification authorities are not implemented here',
  cryptoKeys: 'the keys of the ENCRYPT/SIGN tasks are not implemented here',
  emailConfig: 'e-mail notifications are not implemented here',
  filewatchers: 'file watchers are not implemented here',
};

/** Every protocol the reference knows (pkg/protocols/modules). */
export const referenceProtocols = [
  'sftp',
  'r66',
  'r66-tls',
  'ftp',
  'ftps',
  'http',
  'https',
  'pesit',
  'pesit-tls',
  'webdav',
  'webdav-tls',
  'as2',
  'as2-tls',
] as const;

/**
 * Credential types the reference accepts on SFTP objects (its handlers for the sftp protocol
 * and its defaults), by owner. Ours are a subset (see `supportedCredentials` in validate.ts).
 */
export const referenceSftpCredentials = {
  server: ['password', 'ssh_private_key', 'tls_certificate'],
  localAccount: ['password', 'ssh_public_key', 'trusted_tls_certificate'],
  partner: ['password', 'ssh_public_key', 'trusted_tls_certificate'],
  remoteAccount: ['password', 'ssh_private_key', 'tls_certificate'],
} as const;

/** Every task type of the reference (pkg/tasks). */
export const referenceTaskTypes = [
  'COPY',
  'COPYRENAME',
  'MOVE',
  'MOVERENAME',
  'DELETE',
  'EXEC',
  'EXECMOVE',
  'EXECOUTPUT',
  'UPDATECONF',
  'RENAME',
  'TRANSFER',
  'PREREGISTER',
  'SETINFO',
  'ENCRYPT',
  'DECRYPT',
  'SIGN',
  'VERIFY',
  'ENCRYPT&SIGN',
  'DECRYPT&VERIFY',
  'ARCHIVE',
  'EXTRACT',
  'TRANSCODE',
  'CHNEWLINE',
  'ICAP',
  'EMAIL',
  'REMOTEDELETE',
  'SENDMESSAGE',
] as const;
