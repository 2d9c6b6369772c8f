import type { ClusterNode, NodeState } from '../../model/entities.js';
import type { Row, SqlDatabase } from '../sql.js';
import { clusterNowSql } from '../sql.js';
import { num, numOrNull, str } from './common.js';

/** A node as its row says, and how long it has been silent on the database's clock. */
export interface NodeStatus extends ClusterNode {
  silentMs: number;
}

/** What a process registers; the database stamps the start and heartbeat times. */
export type NewNode = Omit<ClusterNode, 'owner' | 'startedAt' | 'heartbeatAt'>;

function toNode(r: Row): NodeStatus {
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
    clockOffsetMs: numOrNull(r.clock_offset_ms),
    silentMs: num(r.silent_ms),
  };
}

/**
 * Cluster membership: one row per node name, kept alive by its heartbeat. Heartbeat times and
 * liveness are on the database's clock: a node whose own clock is wrong neither looks dead nor
 * keeps a dead name alive.
 */
export class NodeStore {
  readonly #now: string;
  readonly #select: string;

  constructor(
    private readonly db: SqlDatabase,
    private readonly owner: string,
  ) {
    this.#now = clusterNowSql(db.dialect);
    this.#select = `SELECT n.*, ${this.#now} - n.heartbeat_at AS silent_ms FROM nodes n`;
  }

  async list(): Promise<NodeStatus[]> {
    const rows = await this.db.all(`${this.#select} WHERE owner = ? ORDER BY name`, [this.owner]);
    return rows.map(toNode);
  }

  async get(name: string): Promise<NodeStatus | undefined> {
    const r = await this.db.get(`${this.#select} WHERE owner = ? AND name = ?`, [this.owner, name]);
    return r && toNode(r);
  }

  /** The database's clock (epoch ms): what a node measures its own clock against. */
  async clusterNow(): Promise<number> {
    const r = await this.db.get<{ cluster_now: unknown }>(`SELECT ${this.#now} AS cluster_now`);
    return num(r?.cluster_now);
  }

  /**
   * Registers this process under `n.name`. Refused (returns the live holder) when another
   * process of that name has heartbeaten within `timeoutMs`: two live nodes with one name would
   * renew each other's leases.
   */
  async register(n: NewNode, timeoutMs: number): Promise<NodeStatus | undefined> {
    return this.db.transaction(async (tx) => {
      const lock = tx.dialect === 'mysql' ? ' FOR UPDATE' : '';
      const r = await tx.get(`${this.#select} WHERE owner = ? AND name = ?${lock}`, [this.owner, n.name]);
      const values = [
        n.state,
        n.version,
        n.schemaVersion,
        n.host,
        n.pid,
        n.incarnation,
        n.adminAddress,
        n.clockOffsetMs,
      ];
      if (r === undefined) {
        await tx.run(
          `INSERT INTO nodes (owner, name, state, version, schema_version, host, pid, incarnation, admin_address,
            clock_offset_ms, started_at, heartbeat_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ${this.#now}, ${this.#now})`,
          [this.owner, n.name, ...values],
        );
        return undefined;
      }
      const holder = toNode(r);
      if (holder.state !== 'stopped' && holder.silentMs < timeoutMs) return holder;
      await tx.run(
        `UPDATE nodes SET state = ?, version = ?, schema_version = ?, host = ?, pid = ?, incarnation = ?,
          admin_address = ?, clock_offset_ms = ?, started_at = ${this.#now}, heartbeat_at = ${this.#now}
          WHERE owner = ? AND name = ?`,
        [...values, this.owner, n.name],
      );
      return undefined;
    });
  }

  /**
   * Heartbeat, stamped with the database's clock; false when another process took the name over
   * (this one must stop). `clockOffsetMs` and `adminAddress` are kept when not given.
   */
  async heartbeat(
    name: string,
    incarnation: string,
    state: NodeState,
    news: { clockOffsetMs?: number; adminAddress?: string } = {},
  ): Promise<boolean> {
    const res = await this.db.run(
      `UPDATE nodes SET heartbeat_at = ${this.#now}, state = ?, admin_address = COALESCE(?, admin_address),
        clock_offset_ms = COALESCE(?, clock_offset_ms) WHERE owner = ? AND name = ? AND incarnation = ?`,
      [state, news.adminAddress ?? null, news.clockOffsetMs ?? null, this.owner, name, incarnation],
    );
    return res.changes === 1;
  }
}
