/** The error shape, and what the status, cluster and audit routes return. */
import type { Static } from '@sinclair/typebox';
import { Type } from '@sinclair/typebox';
import { treeChanges } from '../model/tree-changes.js';
import { auditResultNames, banProtocols } from './lists.js';
import { FreeObject, MapOf, Nullable, StringEnum } from './types.js';

const text = (description: string): ReturnType<typeof Type.String> => Type.String({ description });
const time = (description: string): ReturnType<typeof Type.String> =>
  Type.String({ format: 'date-time', description });

/** Every error of the API: `{error: {code, message, requestId}}`. */
export const ErrorBody = Type.Object({
  error: Type.Object({
    code: Type.String(),
    message: Type.String(),
    requestId: Type.Optional(Type.String()),
  }),
});

export const Message = Type.Object({ message: Type.String() });

export const Service = Type.Object({
  name: Type.String(),
  state: StringEnum(['Offline', 'Running', 'Error']),
  reason: Type.String(),
});

export const About = Type.Object({
  serverName: Type.String(),
  version: Type.String(),
  nodeName: Type.String(),
  gatewayName: Type.String(),
  coreServices: Type.Array(Service),
  servers: Type.Array(Service),
  clients: Type.Array(Service),
});

export const StatusMap = MapOf(Type.Object({ state: Type.String(), reason: Type.String() }));

export const Node = Type.Object({
  name: Type.String(),
  state: StringEnum(['starting', 'running', 'draining', 'stopped']),
  alive: Type.Boolean({ description: 'Heartbeat younger than the node timeout, on the database clock' }),
  lastHeartbeat: time('Last heartbeat'),
  startedAt: time('Process start'),
  version: Type.String(),
  host: Type.String(),
  adminAddress: Type.String(),
  runningTransfers: Type.Integer(),
  clockOffsetMs: Nullable(Type.Integer(), {
    description:
      "The node's clock minus the database's (the cluster clock) at its last heartbeat, in ms; " +
      'null until measured',
  }),
});

export const Health = Type.Object({ status: Type.String(), node: Type.Optional(Type.String()) });
export const Readiness = Type.Object({
  status: Type.String(),
  node: Type.Optional(Type.String()),
  reasons: Type.Optional(Type.Array(Type.String())),
});

export const AuditEntry = Type.Object({
  id: Type.Integer(),
  time: time('When'),
  node: text('The node that served the request'),
  protocol: Type.String(),
  server: Type.String(),
  account: text('Account login'),
  remoteAddress: text("The partner's address"),
  rule: Type.String(),
  isSend: Type.Boolean({ description: 'Direction of the rule' }),
  operation: StringEnum(treeChanges),
  path: text('The path as the partner named it'),
  target: text('Rename: the new path'),
  localPath: text('The real path, when the partner path led to one'),
  result: StringEnum(auditResultNames),
  reason: text('Why it was refused or failed'),
  details: FreeObject(),
});

export const Ban = Type.Object({
  address: Type.String(),
  protocol: StringEnum(banProtocols, { description: 'The protocol it is banned from' }),
  failures: Type.Integer({ description: 'Failed logins in the current window' }),
  bannedUntil: time('End of the ban'),
});

export const CancelAllReply = Type.Object({
  message: Type.String(),
  cancelled: Type.Integer(),
  requested: Type.Integer({ description: 'Running ones: asked of their node' }),
});

/** `{target: real}` address indirections of a node. */
export const Indirections = MapOf(Type.String({ maxLength: 255, pattern: '\\S' }));

export type ErrorBodyOut = Static<typeof ErrorBody>;
export type ServiceOut = Static<typeof Service>;
export type AboutOut = Static<typeof About>;
export type NodeOut = Static<typeof Node>;
export type BanOut = Static<typeof Ban>;
export type AuditEntryOut = Static<typeof AuditEntry>;
