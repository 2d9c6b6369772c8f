/**
 * Who owns what in the isolated receive folders: the account that delivered a file (or made a
 * folder) there. Several partners can deliver into one folder that the back office reads; each
 * sees and changes only its own entries. Entries are keyed by the SHA-256 of their real path
 * (paths are too long for an index on MySQL); a row whose file is gone is stale and may be
 * taken over.
 */
import { createHash } from 'node:crypto';
import { basename, dirname } from 'node:path';
import type { SqlDatabase } from '../sql.js';
import { UniqueViolationError } from '../sql.js';
import { bool, num, numOrNull, str } from './common.js';

export interface Ownership {
  accountId: number;
  isDir: boolean;
  /** The upload that claimed the name, if any (a name may be claimed before its file exists). */
  transferId: number | null;
}

const key = (path: string): string => createHash('sha256').update(path).digest('hex');

export class PartnerFileStore {
  constructor(
    private readonly db: SqlDatabase,
    private readonly owner: string,
  ) {}

  /** Owners of the entries of a real folder, by entry name. */
  async ownersIn(dir: string): Promise<Map<string, Ownership>> {
    const rows = await this.db.all(
      'SELECT name, local_account_id, is_dir, transfer_id FROM partner_files WHERE owner = ? AND dir_key = ?',
      [this.owner, key(dir)],
    );
    return new Map(
      rows.map((r) => [
        str(r.name),
        { accountId: num(r.local_account_id), isDir: bool(r.is_dir), transferId: numOrNull(r.transfer_id) },
      ]),
    );
  }

  async ownerOf(path: string): Promise<Ownership | undefined> {
    const r = await this.db.get(
      'SELECT local_account_id, is_dir, transfer_id FROM partner_files WHERE owner = ? AND path_key = ?',
      [this.owner, key(path)],
    );
    return (
      r && { accountId: num(r.local_account_id), isDir: bool(r.is_dir), transferId: numOrNull(r.transfer_id) }
    );
  }

  /**
   * Claims `path` for the account, atomically: the current owner when someone else was first
   * (nothing changed then), undefined when the account owns it now.
   */
  async claim(
    path: string,
    accountId: number,
    o: { isDir: boolean; transferId: number | null; now: number },
  ): Promise<Ownership | undefined> {
    try {
      await this.db.write(
        `INSERT INTO partner_files (owner, path_key, dir_key, name, local_account_id, is_dir, transfer_id, created_at)
          VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
        [this.owner, key(path), key(dirname(path)), basename(path), accountId, o.isDir, o.transferId, o.now],
        // The name of a file being received is as durable as its transfer, which ends durably.
        { durable: o.transferId === null },
      );
      return undefined;
    } catch (err) {
      if (!(err instanceof UniqueViolationError)) throw err;
    }
    const current = await this.ownerOf(path);
    return current === undefined || current.accountId === accountId ? undefined : current;
  }

  /** Gives a stale entry (its file gone) to another account; false if it changed meanwhile. */
  async takeOver(path: string, from: number, to: number, transferId: number | null): Promise<boolean> {
    const res = await this.db.run(
      `UPDATE partner_files SET local_account_id = ?, transfer_id = ? WHERE owner = ? AND path_key = ?
        AND local_account_id = ?`,
      [to, transferId, this.owner, key(path), from],
    );
    return res.changes === 1;
  }

  /** The entry follows its file (a rename); whatever `to` had is replaced. */
  async move(from: string, to: string): Promise<void> {
    await this.db.transaction(async (tx) => {
      await tx.run('DELETE FROM partner_files WHERE owner = ? AND path_key = ?', [this.owner, key(to)]);
      await tx.run(
        'UPDATE partner_files SET path_key = ?, dir_key = ?, name = ? WHERE owner = ? AND path_key = ?',
        [key(to), key(dirname(to)), basename(to), this.owner, key(from)],
      );
    });
  }

  async release(paths: readonly string[]): Promise<void> {
    for (const path of paths) {
      await this.db.run('DELETE FROM partner_files WHERE owner = ? AND path_key = ?', [
        this.owner,
        key(path),
      ]);
    }
  }
}
