/**
 * The REST API's JSON types, derived from the contract's schemas (src/schema): nothing is
 * declared here. Kept only for the CLI's imports; new code imports src/schema directly.
 */
export type {
  AuthorizedRulesOut as AuthorizedRules,
  ClientOut,
  LocalAccountOut,
  PartnerOut,
  RemoteAccountOut,
  ServerOut,
} from '../schema/agents.js';
export type { CredentialOut } from '../schema/credentials.js';
export type { RuleOut, TaskOut } from '../schema/rules.js';
export type {
  AboutOut,
  AuditEntryOut,
  BanOut,
  ErrorBodyOut as ErrorBody,
  NodeOut,
  ServiceOut,
} from '../schema/status.js';
export type { TransferOut } from '../schema/transfers.js';
export type { UserOut } from '../schema/users.js';
