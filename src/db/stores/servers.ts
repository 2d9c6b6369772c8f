import type { Server } from '../../model/entities.js';
import type { Row, SqlDatabase, SqlValue } from '../sql.js';
import type { ListOptions } from './common.js';
import { bool, json, num, pageClause, str } from './common.js';

export const serverSortKeys = { name: 'name', proto: 'protocol' };
export type ServerInput = Omit<Server, 'id' | 'owner' | 'revision'>;

function toServer(r: Row): Server {
  return {
    id: num(r.id),
    owner: str(r.owner),
    name: str(r.name),
    protocol: str(r.protocol),
    address: str(r.address),
    enabled: bool(r.enabled),
    rootDir: str(r.root_dir),
    receiveDir: str(r.receive_dir),
    sendDir: str(r.send_dir),
    tmpReceiveDir: str(r.tmp_receive_dir),
    protoConfig: json(r.proto_config, {}),
    revision: num(r.revision),
  };
}

function values(s: ServerInput): SqlValue[] {
  return [
    s.name,
    s.protocol,
    s.address,
    s.enabled,
    s.rootDir,
    s.receiveDir,
    s.sendDir,
    s.tmpReceiveDir,
    JSON.stringify(s.protoConfig),
  ];
}

/** Local agents (our listeners). Every change bumps `revision` so every node reloads it. */
export class ServerStore {
  constructor(
    private readonly db: SqlDatabase,
    private readonly owner: string,
  ) {}

  async list(options: ListOptions & { protocol?: string[] } = {}): Promise<Server[]> {
    const page = pageClause(options, serverSortKeys, 'name');
    const protocols = options.protocol ?? [];
    const filter = protocols.length > 0 ? ` AND protocol IN (${protocols.map(() => '?').join(', ')})` : '';
    const rows = await this.db.all('SELECT * FROM local_agents WHERE owner = ?' + filter + page.sql, [
      this.owner,
      ...protocols,
      ...page.params,
    ]);
    return rows.map(toServer);
  }

  /** Every server of this gateway, for the listener reconciliation loop. */
  async all(): Promise<Server[]> {
    const rows = await this.db.all('SELECT * FROM local_agents WHERE owner = ? ORDER BY id', [this.owner]);
    return rows.map(toServer);
  }

  async get(name: string): Promise<Server | undefined> {
    const r = await this.db.get('SELECT * FROM local_agents WHERE owner = ? AND name = ?', [
      this.owner,
      name,
    ]);
    return r && toServer(r);
  }

  async getById(id: number): Promise<Server | undefined> {
    const r = await this.db.get('SELECT * FROM local_agents WHERE owner = ? AND id = ?', [this.owner, id]);
    return r && toServer(r);
  }

  async create(s: ServerInput): Promise<Server> {
    const res = await this.db.run(
      `INSERT INTO local_agents (owner, name, protocol, address, enabled, root_dir, receive_dir, send_dir,
        tmp_receive_dir, proto_config, revision) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1)`,
      [this.owner, ...values(s)],
    );
    return { ...s, id: res.lastInsertId, owner: this.owner, revision: 1 };
  }

  async update(id: number, s: ServerInput): Promise<void> {
    await this.db.run(
      `UPDATE local_agents SET name = ?, protocol = ?, address = ?, enabled = ?, root_dir = ?, receive_dir = ?,
        send_dir = ?, tmp_receive_dir = ?, proto_config = ?, revision = revision + 1 WHERE id = ? AND owner = ?`,
      [...values(s), id, this.owner],
    );
  }

  async setEnabled(id: number, enabled: boolean): Promise<void> {
    await this.db.run(
      'UPDATE local_agents SET enabled = ?, revision = revision + 1 WHERE id = ? AND owner = ?',
      [enabled, id, this.owner],
    );
  }

  /** Marks a server changed (its credentials were), so every node restarts its listener. */
  async touch(id: number): Promise<void> {
    await this.db.run('UPDATE local_agents SET revision = revision + 1 WHERE id = ? AND owner = ?', [
      id,
      this.owner,
    ]);
  }

  /** Every server of this gateway, with their accounts and credentials (import --reset-before-import). */
  async deleteAll(): Promise<number> {
    return (await this.db.run('DELETE FROM local_agents WHERE owner = ?', [this.owner])).changes;
  }

  async delete(id: number): Promise<void> {
    await this.db.run('DELETE FROM local_agents WHERE id = ? AND owner = ?', [id, this.owner]);
  }
}
