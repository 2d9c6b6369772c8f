import type { Client } from '../../model/entities.js';
import type { Row, SqlDatabase, SqlValue } from '../sql.js';
import type { ListOptions } from './common.js';
import { bool, json, num, pageClause, str } from './common.js';

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

function values(c: ClientInput): SqlValue[] {
  return [
    c.name,
    c.protocol,
    c.localAddress,
    c.enabled,
    c.nbOfAttempts,
    c.firstRetryDelay,
    c.retryIncrementFactor,
    JSON.stringify(c.protoConfig),
  ];
}

/** Outbound engines. A client lives in the database, so every node can use it. */
export class ClientStore {
  constructor(
    private readonly db: SqlDatabase,
    private readonly owner: string,
  ) {}

  async list(options: ListOptions & { protocol?: string[] } = {}): Promise<Client[]> {
    const page = pageClause(options, clientSortKeys, 'name');
    const protocols = options.protocol ?? [];
    const filter = protocols.length > 0 ? ` AND protocol IN (${protocols.map(() => '?').join(', ')})` : '';
    const rows = await this.db.all('SELECT * FROM clients WHERE owner = ?' + filter + page.sql, [
      this.owner,
      ...protocols,
      ...page.params,
    ]);
    return rows.map(toClient);
  }

  async get(name: string): Promise<Client | undefined> {
    const r = await this.db.get('SELECT * FROM clients WHERE owner = ? AND name = ?', [this.owner, name]);
    return r && toClient(r);
  }

  async getById(id: number): Promise<Client | undefined> {
    const r = await this.db.get('SELECT * FROM clients WHERE owner = ? AND id = ?', [this.owner, id]);
    return r && toClient(r);
  }

  async create(c: ClientInput): Promise<Client> {
    const res = await this.db.run(
      `INSERT INTO clients (owner, name, protocol, local_address, enabled, nb_of_attempts, first_retry_delay,
        retry_increment_factor, proto_config) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      [this.owner, ...values(c)],
    );
    return { ...c, id: res.lastInsertId, owner: this.owner };
  }

  async update(id: number, c: ClientInput): Promise<void> {
    await this.db.run(
      `UPDATE clients SET name = ?, protocol = ?, local_address = ?, enabled = ?, nb_of_attempts = ?,
        first_retry_delay = ?, retry_increment_factor = ?, proto_config = ? WHERE id = ? AND owner = ?`,
      [...values(c), id, this.owner],
    );
  }

  /** Every client of this gateway (import --reset-before-import). */
  async deleteAll(): Promise<number> {
    return (await this.db.run('DELETE FROM clients WHERE owner = ?', [this.owner])).changes;
  }

  async delete(id: number): Promise<void> {
    await this.db.run('DELETE FROM clients WHERE id = ? AND owner = ?', [id, this.owner]);
  }
}
