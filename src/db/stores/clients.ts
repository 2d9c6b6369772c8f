import type { Client } from '../../model/entities.js';
import type { Row, SqlDatabase, SqlValue } from '../sql.js';
import { bool, json, num, str } from './common.js';
import { OwnedTable } from './owned-table.js';

export const clientSortKeys = { name: 'name', proto: 'protocol' };
export type ClientInput = Omit<Client, 'id' | 'owner'>;

function toClient(r: Row): Client {
  return {
    id: num(r.id),
    owner: str(r.owner),
    name: str(r.name),
    protocol: str(r.protocol),
    localAddress: str(r.local_address),
    enabled: bool(r.enabled),
    nbOfAttempts: num(r.nb_of_attempts),
    firstRetryDelay: num(r.first_retry_delay),
    retryIncrementFactor: num(r.retry_increment_factor),
    protoConfig: json(r.proto_config, {}),
  };
}

function toRow(c: ClientInput): Record<string, SqlValue> {
  return {
    name: c.name,
    protocol: c.protocol,
    local_address: c.localAddress,
    enabled: c.enabled,
    nb_of_attempts: c.nbOfAttempts,
    first_retry_delay: c.firstRetryDelay,
    retry_increment_factor: c.retryIncrementFactor,
    proto_config: JSON.stringify(c.protoConfig),
  };
}

/** Outbound engines. A client lives in the database, so every node can use it. */
export class ClientStore extends OwnedTable<Client> {
  constructor(db: SqlDatabase, owner: string) {
    super(db, owner, {
      table: 'clients',
      nameColumn: 'name',
      sortKeys: clientSortKeys,
      defaultSort: 'name',
      toObject: toClient,
    });
  }

  async create(c: ClientInput): Promise<Client> {
    return { ...c, id: await this.insertRow(toRow(c)), owner: this.owner };
  }

  async update(id: number, c: ClientInput): Promise<void> {
    await this.updateRow(id, toRow(c));
  }

  async delete(id: number): Promise<void> {
    await this.deleteRow(id);
  }
}
