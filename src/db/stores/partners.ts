import type { Partner } from '../../model/entities.js';
import type { Row, SqlDatabase } from '../sql.js';
import type { ListOptions } from './common.js';
import { json, num, pageClause, str } from './common.js';

export const partnerSortKeys = { name: 'name', proto: 'protocol' };
export type PartnerInput = Omit<Partner, 'id' | 'owner'>;

function toPartner(r: Row): Partner {
  return {
    id: num(r.id),
    owner: str(r.owner),
    name: str(r.name),
    protocol: str(r.protocol),
    address: str(r.address),
    protoConfig: json(r.proto_config, {}),
  };
}

/** Remote agents: the peers we connect to. */
export class PartnerStore {
  constructor(
    private readonly db: SqlDatabase,
    private readonly owner: string,
  ) {}

  async list(options: ListOptions & { protocol?: string[] } = {}): Promise<Partner[]> {
    const page = pageClause(options, partnerSortKeys, 'name');
    const protocols = options.protocol ?? [];
    const filter = protocols.length > 0 ? ` AND protocol IN (${protocols.map(() => '?').join(', ')})` : '';
    const rows = await this.db.all('SELECT * FROM remote_agents WHERE owner = ?' + filter + page.sql, [
      this.owner,
      ...protocols,
      ...page.params,
    ]);
    return rows.map(toPartner);
  }

  async get(name: string): Promise<Partner | undefined> {
    const r = await this.db.get('SELECT * FROM remote_agents WHERE owner = ? AND name = ?', [
      this.owner,
      name,
    ]);
    return r && toPartner(r);
  }

  async getById(id: number): Promise<Partner | undefined> {
    const r = await this.db.get('SELECT * FROM remote_agents WHERE owner = ? AND id = ?', [this.owner, id]);
    return r && toPartner(r);
  }

  async create(p: PartnerInput): Promise<Partner> {
    const res = await this.db.run(
      'INSERT INTO remote_agents (owner, name, protocol, address, proto_config) VALUES (?, ?, ?, ?, ?)',
      [this.owner, p.name, p.protocol, p.address, JSON.stringify(p.protoConfig)],
    );
    return { ...p, id: res.lastInsertId, owner: this.owner };
  }

  async update(id: number, p: PartnerInput): Promise<void> {
    await this.db.run(
      'UPDATE remote_agents SET name = ?, protocol = ?, address = ?, proto_config = ? WHERE id = ? AND owner = ?',
      [p.name, p.protocol, p.address, JSON.stringify(p.protoConfig), id, this.owner],
    );
  }

  /** Every partner of this gateway, with their accounts and credentials (import --reset-before-import). */
  async deleteAll(): Promise<number> {
    return (await this.db.run('DELETE FROM remote_agents WHERE owner = ?', [this.owner])).changes;
  }

  async delete(id: number): Promise<void> {
    await this.db.run('DELETE FROM remote_agents WHERE id = ? AND owner = ?', [id, this.owner]);
  }
}
