/**
 * Every schema of the admin contract by its name in the OpenAPI document
 * (`#/components/schemas/<name>`). The document lists these; the REST routes validate bodies
 * with the compiled check of the same entry (src/admin/validate.ts `bodyOf`).
 */
import type { TSchema } from '@sinclair/typebox';
import * as agents from './agents.js';
import * as credentials from './credentials.js';
import * as rules from './rules.js';
import * as status from './status.js';
import * as transfers from './transfers.js';
import * as users from './users.js';

export const components = {
  Error: status.ErrorBody,
  Message: status.Message,
  AuthorizedRules: agents.AuthorizedRules,
  User: users.User,
  UserIn: users.UserIn,
  UserPatch: users.UserPatch,
  OwnPasswordIn: users.OwnPasswordIn,
  Server: agents.Server,
  ServerIn: agents.ServerIn,
  ServerPatch: agents.ServerPatch,
  Partner: agents.Partner,
  PartnerIn: agents.PartnerIn,
  PartnerPatch: agents.PartnerPatch,
  LocalAccount: agents.LocalAccount,
  LocalAccountIn: agents.LocalAccountIn,
  LocalAccountPatch: agents.LocalAccountPatch,
  RemoteAccount: agents.RemoteAccount,
  RemoteAccountIn: agents.RemoteAccountIn,
  RemoteAccountPatch: agents.RemoteAccountPatch,
  Credential: credentials.Credential,
  CredentialIn: credentials.CredentialIn,
  Client: agents.Client,
  ClientIn: agents.ClientIn,
  ClientPatch: agents.ClientPatch,
  Task: rules.Task,
  TaskIn: rules.TaskIn,
  Rule: rules.Rule,
  RuleIn: rules.RuleIn,
  RulePatch: rules.RulePatch,
  Transfer: transfers.Transfer,
  TransferIn: transfers.TransferIn,
  Service: status.Service,
  About: status.About,
  StatusMap: status.StatusMap,
  Node: status.Node,
  Health: status.Health,
  Readiness: status.Readiness,
  AuditEntry: status.AuditEntry,
  Ban: status.Ban,
  CancelAllReply: status.CancelAllReply,
  Indirections: status.Indirections,
} satisfies Record<string, TSchema>;

export type ComponentName = keyof typeof components;
