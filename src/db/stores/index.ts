import type { SqlDatabase } from '../sql.js';
import { LocalAccountStore, RemoteAccountStore } from './accounts.js';
import { AuditStore } from './audit.js';
import { BanStore } from './bans.js';
import { ClientStore } from './clients.js';
import { CredentialStore } from './credentials.js';
import { NodeStore } from './nodes.js';
import { PartnerFileStore } from './partner-files.js';
import { PartnerStore } from './partners.js';
import { RuleStore } from './rules.js';
import { ServerStore } from './servers.js';
import { SettingStore } from './settings.js';
import { TotpStore } from './totp.js';
import { TransferNodeStore } from './transfer-nodes.js';
import { TransferStore } from './transfers.js';
import { UserStore } from './users.js';
import { WebSessionStore } from './web-sessions.js';

/** Every store of one gateway (`owner` = GatewayName) on one database. */
export interface Stores {
  readonly db: SqlDatabase;
  readonly owner: string;
  readonly users: UserStore;
  readonly servers: ServerStore;
  readonly localAccounts: LocalAccountStore;
  readonly partners: PartnerStore;
  readonly remoteAccounts: RemoteAccountStore;
  readonly clients: ClientStore;
  readonly rules: RuleStore;
  readonly credentials: CredentialStore;
  readonly transfers: TransferStore;
  readonly nodes: NodeStore;
  readonly settings: SettingStore;
  readonly bans: BanStore;
  readonly audit: AuditStore;
  readonly partnerFiles: PartnerFileStore;
  /** Web console sessions and TOTP secrets (src/webui). */
  readonly webSessions: WebSessionStore;
  readonly totp: TotpStore;
  readonly transferNodes: TransferNodeStore;
}

export function createStores(db: SqlDatabase, owner: string): Stores {
  return {
    db,
    owner,
    users: new UserStore(db, owner),
    servers: new ServerStore(db, owner),
    localAccounts: new LocalAccountStore(db),
    partners: new PartnerStore(db, owner),
    remoteAccounts: new RemoteAccountStore(db),
    clients: new ClientStore(db, owner),
    rules: new RuleStore(db),
    credentials: new CredentialStore(db),
    transfers: new TransferStore(db, owner),
    nodes: new NodeStore(db, owner),
    settings: new SettingStore(db, owner),
    bans: new BanStore(db, owner),
    audit: new AuditStore(db, owner),
    partnerFiles: new PartnerFileStore(db, owner),
    webSessions: new WebSessionStore(db, owner),
    totp: new TotpStore(db),
    transferNodes: new TransferNodeStore(db, owner),
  };
}
