/** Clients (outbound engines): JSON ↔ entity. `disabled` in, `enabled` out, as the reference. */
import type { Client } from '../../model/entities.js';
import type { ClientInput } from '../../db/stores/clients.js';
import type { ClientFields, ClientOut } from '../../schema/agents.js';
import { defaultClient } from '../../transfer/planner.js';

/** Defaults of a new client: no automatic retry. */
export function blankClient(): ClientInput {
  return { name: '', protocol: 'sftp', ...defaultClient, protoConfig: {} };
}

export function mergeClient(base: ClientInput, f: ClientFields): ClientInput {
  return {
    name: f.name ?? base.name,
    protocol: f.protocol ?? base.protocol,
    localAddress: f.localAddress ?? base.localAddress,
    enabled: f.disabled === undefined ? base.enabled : !f.disabled,
    nbOfAttempts: f.nbOfAttempts ?? base.nbOfAttempts,
    firstRetryDelay: f.firstRetryDelay ?? base.firstRetryDelay,
    retryIncrementFactor: f.retryIncrementFactor ?? base.retryIncrementFactor,
    protoConfig: f.protoConfig ?? base.protoConfig,
  };
}

export function clientOut(c: Client): ClientOut {
  return {
    name: c.name,
    protocol: c.protocol,
    enabled: c.enabled,
    localAddress: c.localAddress,
    nbOfAttempts: c.nbOfAttempts,
    firstRetryDelay: c.firstRetryDelay,
    retryIncrementFactor: c.retryIncrementFactor,
    protoConfig: c.protoConfig,
  };
}
