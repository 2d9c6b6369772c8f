import type { HistoryEntry } from '../../model/entities.js';
import type { SqlDatabase } from '../sql.js';
import { num } from './common.js';
import { toHistory } from './transfers.js';

const columns = `id, owner, remote_transfer_id, is_server, is_send, account, agent, client, protocol, rule,
  src_filename, dest_filename, local_path, remote_path, filesize, start, stop, status, step, progress,
  task_number, error_code, error_details, node, info`;

/**
 * The transfer history as a whole, for its backup and restore (the day-to-day reads and the
 * moves into history are in TransferStore).
 */
export class HistoryStore {
  constructor(
    private readonly db: SqlDatabase,
    private readonly owner: string,
  ) {}

  async count(): Promise<number> {
    const r = await this.db.get('SELECT COUNT(*) AS n FROM transfer_history WHERE owner = ?', [this.owner]);
    return num(r?.n);
  }

  /** Entries after `afterId`, by id: pages of an export that never reads it all at once. */
  async page(afterId: number, limit: number): Promise<HistoryEntry[]> {
    const rows = await this.db.all(
      `SELECT * FROM transfer_history WHERE owner = ? AND id > ? ORDER BY id LIMIT ?`,
      [this.owner, afterId, limit],
    );
    return rows.map(toHistory);
  }

  async deleteAll(): Promise<number> {
    return (await this.db.run('DELETE FROM transfer_history WHERE owner = ?', [this.owner])).changes;
  }

  async insert(h: Omit<HistoryEntry, 'owner'>): Promise<void> {
    await this.db.run(
      `INSERT INTO transfer_history (${columns}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      [
        h.id,
        this.owner,
        h.remoteTransferId,
        h.isServer,
        h.isSend,
        h.account,
        h.agent,
        h.client,
        h.protocol,
        h.rule,
        h.srcFilename,
        h.destFilename,
        h.localPath,
        h.remotePath,
        h.filesize,
        h.start,
        h.stop,
        h.status,
        h.step,
        h.progress,
        h.taskNumber,
        h.errorCode,
        h.errorDetails,
        h.node,
        JSON.stringify(h.info),
      ],
    );
  }

  /** A live transfer whose id is also a history entry's (it could never move to history). */
  async clashWithLiveTransfer(): Promise<number | undefined> {
    const r = await this.db.get(
      'SELECT MIN(t.id) AS id FROM transfers t JOIN transfer_history h ON h.id = t.id',
    );
    return r?.id === null || r?.id === undefined ? undefined : num(r.id);
  }

  /**
   * Makes new transfers get ids above `maxId`, so that none takes the id of a restored entry
   * (a transfer keeps its id in history). MySQL: DDL, which commits any open transaction, so
   * call it outside one; SQLite: a row of sqlite_sequence, transactional.
   */
  async advanceTransferIds(maxId: number): Promise<void> {
    if (!Number.isSafeInteger(maxId) || maxId < 1) return;
    if (this.db.dialect === 'mysql') {
      // InnoDB keeps the larger of this and the highest id in use.
      await this.db.run(`ALTER TABLE transfers AUTO_INCREMENT = ${maxId + 1}`);
      return;
    }
    const row = await this.db.get("SELECT seq FROM sqlite_sequence WHERE name = 'transfers'");
    if (row === undefined)
      await this.db.run("INSERT INTO sqlite_sequence (name, seq) VALUES ('transfers', ?)", [maxId]);
    else if (num(row.seq) < maxId)
      await this.db.run("UPDATE sqlite_sequence SET seq = ? WHERE name = 'transfers'", [maxId]);
  }
}
