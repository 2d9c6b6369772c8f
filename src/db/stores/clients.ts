import type { Client } from '../../model/entities.js';
import type { Row, SqlDatabase, SqlValue } from '../sql.js';
import { bool, num, str } from './common.js';
import { AgentTable, agentColumns, agentSortKeys, agentValues } from './agent-table.js';

export const clientSortKeys = agentSortKeys;
export type ClientInput = Omit<Client, 'id' | 'owner'>;

function toClient(r: Row): Client {
  return {
    ...agentColumns(r),
    localAddress: str(r.local_address),
    enabled: bool(r.enabled),
    nbOfAttempts: num(r.nb_of_attempts),
    firstRetryDelay: num(r.first_retry_delay),
    retryIncrementFactor: num(r.retry_increment_factor),
  };
}

function toRow(c: ClientInput): Record<string, SqlValue> {
  return {
    ...agentValues(c),
    local_address: c.localAddress,
    enabled: c.enabled,
    nb_of_attempts: c.nbOfAttempts,
    first_retry_delay: c.firstRetryDelay,
    retry_increment_factor: c.retryIncrementFactor,
  };
}

/** Outbound engines. A client lives in the database, so every node can use it. */
export class ClientStore extends AgentTable<Client, ClientInput> {
  constructor(db: SqlDatabase, owner: string) {
    super(db, owner, 'clients', toClient, toRow);
  }
}
