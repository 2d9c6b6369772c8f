/**
 * What this gateway implements of the reference's objects: the import keeps these and reports
 * the rest (unsupported.ts); the checks (validate.ts) accept only these.
 */
import type { CredentialType } from '../model/entities.js';
import { supportedProtocols } from '../model/protocols.js';
import { taskTypeNames as taskTypes } from '../model/task-types.js';

export { supportedProtocols, taskTypes };

export type CredentialOwnerKind = 'server' | 'localAccount' | 'partner' | 'remoteAccount';

/** Credential types by owner. Account passwords are not credentials here: see validate.ts. */
export const supportedCredentials: Readonly<Record<CredentialOwnerKind, readonly CredentialType[]>> = {
  server: ['ssh_private_key'],
  localAccount: ['ssh_public_key'],
  partner: ['ssh_public_key'],
  remoteAccount: ['ssh_private_key'],
};

export const ownerLabels: Readonly<Record<CredentialOwnerKind, string>> = {
  server: 'server',
  localAccount: 'local account',
  partner: 'partner',
  remoteAccount: 'remote account',
};
