import type { User } from '../../model/entities.js';
import type { PermissionRight, PermissionTarget } from '../../model/permissions.js';
import { hasPermission } from '../../model/permissions.js';
import type { Row, SqlDatabase } from '../sql.js';
import type { ListOptions } from './common.js';
import { num, pageClause, str } from './common.js';

export const userSortKeys = { username: 'username' };

function toUser(r: Row): User {
  return {
    id: num(r.id),
    owner: str(r.owner),
    username: str(r.username),
    passwordHash: str(r.password_hash),
    permissions: num(r.permissions),
  };
}

export class UserStore {
  constructor(
    private readonly db: SqlDatabase,
    private readonly owner: string,
  ) {}

  async list(options: ListOptions = {}): Promise<User[]> {
    const page = pageClause(options, userSortKeys, 'username');
    const rows = await this.db.all('SELECT * FROM users WHERE owner = ?' + page.sql, [
      this.owner,
      ...page.params,
    ]);
    return rows.map(toUser);
  }

  async get(username: string): Promise<User | undefined> {
    const r = await this.db.get('SELECT * FROM users WHERE owner = ? AND username = ?', [
      this.owner,
      username,
    ]);
    return r && toUser(r);
  }

  async count(): Promise<number> {
    const r = await this.db.get<{ n: number }>('SELECT COUNT(*) AS n FROM users WHERE owner = ?', [
      this.owner,
    ]);
    return num(r?.n);
  }

  async create(u: Omit<User, 'id' | 'owner'>): Promise<User> {
    const res = await this.db.run(
      'INSERT INTO users (owner, username, password_hash, permissions) VALUES (?, ?, ?, ?)',
      [this.owner, u.username, u.passwordHash, u.permissions],
    );
    return { ...u, id: res.lastInsertId, owner: this.owner };
  }

  async update(id: number, u: Omit<User, 'id' | 'owner'>): Promise<void> {
    await this.db.run(
      'UPDATE users SET username = ?, password_hash = ?, permissions = ? WHERE id = ? AND owner = ?',
      [u.username, u.passwordHash, u.permissions, id, this.owner],
    );
  }

  /** Every user of this gateway (import --reset-before-import, which then imports others). */
  async deleteAll(): Promise<number> {
    return (await this.db.run('DELETE FROM users WHERE owner = ?', [this.owner])).changes;
  }

  /** Replaces the password hash alone (a user changing its own password). */
  async setPasswordHash(id: number, hash: string): Promise<void> {
    await this.db.run('UPDATE users SET password_hash = ? WHERE id = ? AND owner = ?', [
      hash,
      id,
      this.owner,
    ]);
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
