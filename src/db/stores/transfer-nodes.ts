/**
 * The node history of transfers: one row each time a node takes a transfer or loses it
 * (started, claimed, resumed, lease lapsed). Written by TransferStore in the same
 * statements' transactions where it has one; read by the console's transfer page.
 */
import type { SqlDatabase, SqlExecutor } from '../sql.js';
import { num, str } from './common.js';

export type NodeEvent = 'started' | 'claimed' | 'resumed' | 'lease lapsed';

export interface NodeHistoryEntry {
  node: string;
  event: NodeEvent;
  at: number;
}

export async function noteNodes(
  tx: SqlExecutor,
  owner: string,
  entries: readonly { id: number; node: string }[],
  event: NodeEvent,
  at: number,
): Promise<void> {
  if (entries.length === 0) return;
  await tx.run(
    `INSERT INTO transfer_nodes (owner, transfer_id, node, event, at) VALUES ${entries.map(() => '(?, ?, ?, ?, ?)').join(', ')}`,
    entries.flatMap((e) => [owner, e.id, e.node, event, at]),
  );
}

export class TransferNodeStore {
  constructor(
    private readonly db: SqlDatabase,
    private readonly owner: string,
  ) {}

  async list(transferId: number): Promise<NodeHistoryEntry[]> {
    const rows = await this.db.all(
      'SELECT node, event, at FROM transfer_nodes WHERE owner = ? AND transfer_id = ? ORDER BY at, id',
      [this.owner, transferId],
    );
    return rows.map((r) => ({ node: str(r.node), event: str(r.event) as NodeEvent, at: num(r.at) }));
  }
}
