/** Servers (local agents): JSON ↔ entity. */
import type { GatewayContext } from '../../gateway/context.js';
import type { Server } from '../../model/entities.js';
import type { ServerInput } from '../../db/stores/servers.js';
import type { ServerFields, ServerOut } from '../../schema/agents.js';
import { accessOut } from './common.js';

/** A server as it is after a PUT/POST: omitted fields take their defaults. */
export function blankServer(enabled = true): ServerInput {
  return {
    name: '',
    protocol: 'sftp',
    address: '',
    enabled,
    rootDir: '',
    receiveDir: '',
    sendDir: '',
    tmpReceiveDir: '',
    protoConfig: {},
  };
}

/**
 * Applies the given fields on `base`. As the reference's LocalAgent.makePaths: with a root
 * directory, empty receive/send/tmp directories become `in`, `out` and `tmp`.
 */
export function mergeServer(base: ServerInput, f: ServerFields): ServerInput {
  const s: ServerInput = { ...base };
  if (f.name !== undefined) s.name = f.name;
  if (f.protocol !== undefined) s.protocol = f.protocol;
  if (f.address !== undefined) s.address = f.address;
  if (f.rootDir !== undefined) s.rootDir = f.rootDir;
  if (f.receiveDir !== undefined) s.receiveDir = f.receiveDir;
  if (f.sendDir !== undefined) s.sendDir = f.sendDir;
  if (f.tmpReceiveDir !== undefined) s.tmpReceiveDir = f.tmpReceiveDir;
  if (f.protoConfig !== undefined) s.protoConfig = f.protoConfig;
  if (s.rootDir !== '') {
    s.receiveDir ||= 'in';
    s.sendDir ||= 'out';
    s.tmpReceiveDir ||= 'tmp';
  }
  return s;
}

export async function serverOut(ctx: GatewayContext, s: Server): Promise<ServerOut> {
  return {
    name: s.name,
    protocol: s.protocol,
    address: s.address,
    enabled: s.enabled,
    rootDir: s.rootDir,
    receiveDir: s.receiveDir,
    sendDir: s.sendDir,
    tmpReceiveDir: s.tmpReceiveDir,
    protoConfig: s.protoConfig,
    ...(await accessOut(ctx, { kind: 'server', id: s.id })),
  };
}
