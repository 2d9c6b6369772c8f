import type { User } from '../../model/entities.js';
import type { PermissionRight, PermissionTarget } from '../../model/permissions.js';
import { hasPermission } from '../../model/permissions.js';
import type { Row, SqlDatabase, SqlValue } from '../sql.js';
import { num, str } from './common.js';
import { OwnedTable } from './owned-table.js';

export const userSortKeys = { username: 'username' };
type UserInput = Omit<User, 'id' | 'owner'>;

function toUser(r: Row): User {
  return {
    id: num(r.id),
    owner: str(r.owner),
    username: str(r.username),
    passwordHash: str(r.password_hash),
    permissions: num(r.permissions),
  };
}

function toRow(u: UserInput): Record<string, SqlValue> {
  return { username: u.username, password_hash: u.passwordHash, permissions: u.permissions };
}

export class UserStore extends OwnedTable<User, UserInput> {
  constructor(db: SqlDatabase, owner: string) {
    super(db, owner, {
      table: 'users',
      nameColumn: 'username',
      sortKeys: userSortKeys,
      defaultSort: 'username',
      toObject: toUser,
      toRow,
    });
  }

  async count(): Promise<number> {
    const r = await this.db.get<{ n: number }>('SELECT COUNT(*) AS n FROM users WHERE owner = ?', [
      this.owner,
    ]);
    return num(r?.n);
  }

  /** Replaces the password hash alone (a user changing its own password). */
  async setPasswordHash(id: number, hash: string): Promise<void> {
    await this.updateRow(id, { password_hash: hash });
  }

  /**
   * Replaces the password hash while it is still `expected`: a background rehash must never undo
   * a password change made meanwhile. True if changed.
   */
  async replacePasswordHash(id: number, expected: string, hash: string): Promise<boolean> {
    const res = await this.db.run(
      'UPDATE users SET password_hash = ? WHERE id = ? AND owner = ? AND password_hash = ?',
      [hash, id, this.owner, expected],
    );
    return res.changes === 1;
  }

  /**
   * Deletes a user unless it is the last one able to manage users (checked and deleted in
   * one transaction, so two concurrent deletes cannot remove both managers).
   */
  async delete(id: number): Promise<'deleted' | 'last-manager'> {
    return this.db.transaction(async (tx) => {
      const rows = (
        await tx.all('SELECT * FROM users WHERE owner = ? ' + forUpdate(tx.dialect), [this.owner])
      ).map(toUser);
      const managers = rows.filter((u) => hasPermission(u.permissions, 'users', 'w'));
      if (managers.length === 1 && managers[0]?.id === id) return 'last-manager';
      await tx.run('DELETE FROM users WHERE id = ? AND owner = ?', [id, this.owner]);
      return 'deleted';
    });
  }

  async countWith(target: PermissionTarget, right: PermissionRight): Promise<number> {
    const rows = await this.db.all('SELECT permissions FROM users WHERE owner = ?', [this.owner]);
    return rows.filter((r) => hasPermission(num(r.permissions), target, right)).length;
  }
}

/** Row lock clause: MySQL locks the rows read; SQLite's IMMEDIATE transaction already holds the write lock. */
export function forUpdate(dialect: 'sqlite' | 'mysql'): string {
  return dialect === 'mysql' ? 'FOR UPDATE' : '';
}
