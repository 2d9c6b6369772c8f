import type { Server } from '../../model/entities.js';
import type { Row, SqlDatabase, SqlValue } from '../sql.js';
import { bool, num, str } from './common.js';
import { AgentTable, agentColumns, agentSortKeys, agentValues } from './agent-table.js';

export const serverSortKeys = agentSortKeys;
export type ServerInput = Omit<Server, 'id' | 'owner' | 'revision'>;

function toServer(r: Row): Server {
  return {
    ...agentColumns(r),
    address: str(r.address),
    enabled: bool(r.enabled),
    rootDir: str(r.root_dir),
    receiveDir: str(r.receive_dir),
    sendDir: str(r.send_dir),
    tmpReceiveDir: str(r.tmp_receive_dir),
    revision: num(r.revision),
  };
}

function toRow(s: ServerInput): Record<string, SqlValue> {
  return {
    ...agentValues(s),
    address: s.address,
    enabled: s.enabled,
    root_dir: s.rootDir,
    receive_dir: s.receiveDir,
    send_dir: s.sendDir,
    tmp_receive_dir: s.tmpReceiveDir,
  };
}

/** Local agents (our listeners). Every change bumps `revision` so every node reloads it. */
export class ServerStore extends AgentTable<Server, ServerInput> {
  constructor(db: SqlDatabase, owner: string) {
    super(db, owner, 'local_agents', toServer, toRow);
  }

  /** Every server of this gateway, for the listener reconciliation loop. */
  async all(): Promise<Server[]> {
    const rows = await this.db.all('SELECT * FROM local_agents WHERE owner = ? ORDER BY id', [this.owner]);
    return rows.map(toServer);
  }

  override async create(s: ServerInput): Promise<Server> {
    const id = await this.insertRow({ ...toRow(s), revision: 1 });
    return { ...s, id, owner: this.owner, revision: 1 };
  }

  override async update(id: number, s: ServerInput): Promise<void> {
    await this.updateRow(id, toRow(s), ['revision = revision + 1']);
  }

  async setEnabled(id: number, enabled: boolean): Promise<void> {
    await this.updateRow(id, { enabled }, ['revision = revision + 1']);
  }

  /** Marks a server changed (its credentials were), so every node restarts its listener. */
  async touch(id: number): Promise<void> {
    await this.updateRow(id, {}, ['revision = revision + 1']);
  }
}
