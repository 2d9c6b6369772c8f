import type { ClusterNode, NodeState } from '../../model/entities.js';
import type { Row, SqlDatabase } from '../sql.js';
import { num, str } from './common.js';

function toNode(r: Row): ClusterNode {
  return {
    name: str(r.name),
    owner: str(r.owner),
    state: str(r.state) as NodeState,
    version: str(r.version),
    schemaVersion: num(r.schema_version),
    host: str(r.host),
    pid: num(r.pid),
    incarnation: str(r.incarnation),
    adminAddress: str(r.admin_address),
    startedAt: num(r.started_at),
    heartbeatAt: num(r.heartbeat_at),
  };
}

/** Cluster membership: one row per node name, kept alive by its heartbeat. */
export class NodeStore {
  constructor(
    private readonly db: SqlDatabase,
    private readonly owner: string,
  ) {}

  async list(): Promise<ClusterNode[]> {
    const rows = await this.db.all('SELECT * FROM nodes WHERE owner = ? ORDER BY name', [this.owner]);
    return rows.map(toNode);
  }

  async get(name: string): Promise<ClusterNode | undefined> {
    const r = await this.db.get('SELECT * FROM nodes WHERE owner = ? AND name = ?', [this.owner, name]);
    return r && toNode(r);
  }

  /**
   * Registers this process under `n.name`. Refused (returns the live holder) when another
   * process of that name has heartbeaten within `timeoutMs`: two live nodes with one name would
   * renew each other's leases.
   */
  async register(
    n: Omit<ClusterNode, 'owner'>,
    now: number,
    timeoutMs: number,
  ): Promise<ClusterNode | undefined> {
    return this.db.transaction(async (tx) => {
      const lock = tx.dialect === 'mysql' ? ' FOR UPDATE' : '';
      const r = await tx.get(`SELECT * FROM nodes WHERE owner = ? AND name = ?${lock}`, [this.owner, n.name]);
      const values = [
        n.state,
        n.version,
        n.schemaVersion,
        n.host,
        n.pid,
        n.incarnation,
        n.adminAddress,
        n.startedAt,
        n.heartbeatAt,
      ];
      if (r === undefined) {
        await tx.run(
          `INSERT INTO nodes (owner, name, state, version, schema_version, host, pid, incarnation, admin_address,
            started_at, heartbeat_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
          [this.owner, n.name, ...values],
        );
        return undefined;
      }
      const holder = toNode(r);
      if (holder.state !== 'stopped' && now - holder.heartbeatAt < timeoutMs) return holder;
      await tx.run(
        `UPDATE nodes SET state = ?, version = ?, schema_version = ?, host = ?, pid = ?, incarnation = ?,
          admin_address = ?, started_at = ?, heartbeat_at = ? WHERE owner = ? AND name = ?`,
        [...values, this.owner, n.name],
      );
      return undefined;
    });
  }

  /** Heartbeat; false when another process took the name over (this one must stop). */
  async heartbeat(
    name: string,
    incarnation: string,
    now: number,
    state: NodeState,
    adminAddress?: string,
  ): Promise<boolean> {
    const res = await this.db.run(
      `UPDATE nodes SET heartbeat_at = ?, state = ?, admin_address = COALESCE(?, admin_address)
        WHERE owner = ? AND name = ? AND incarnation = ?`,
      [now, state, adminAddress ?? null, this.owner, name, incarnation],
    );
    return res.changes === 1;
  }
}
