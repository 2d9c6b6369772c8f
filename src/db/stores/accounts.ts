import type { LocalAccount, RemoteAccount } from '../../model/entities.js';
import type { Row, SqlDatabase } from '../sql.js';
import type { ListOptions } from './common.js';
import { json, num, pageClause, str } from './common.js';

export const accountSortKeys = { login: 'login' };

function toLocal(r: Row): LocalAccount {
  return {
    id: num(r.id),
    serverId: num(r.local_agent_id),
    login: str(r.login),
    passwordHash: r.password_hash === null || r.password_hash === undefined ? null : str(r.password_hash),
    ipAddresses: json(r.ip_addresses, []),
  };
}

function toRemote(r: Row): RemoteAccount {
  return { id: num(r.id), partnerId: num(r.remote_agent_id), login: str(r.login) };
}

/** The reads and the delete both account tables have; `parentColumn` is their server or partner. */
abstract class AccountTable<T> {
  protected constructor(
    protected readonly db: SqlDatabase,
    private readonly table: string,
    private readonly parentColumn: string,
    private readonly toAccount: (r: Row) => T,
  ) {}

  async list(parentId: number, options: ListOptions = {}): Promise<T[]> {
    const page = pageClause(options, accountSortKeys, 'login');
    const rows = await this.db.all(`SELECT * FROM ${this.table} WHERE ${this.parentColumn} = ?${page.sql}`, [
      parentId,
      ...page.params,
    ]);
    return rows.map(this.toAccount);
  }

  async get(parentId: number, login: string): Promise<T | undefined> {
    const r = await this.db.get(`SELECT * FROM ${this.table} WHERE ${this.parentColumn} = ? AND login = ?`, [
      parentId,
      login,
    ]);
    return r && this.toAccount(r);
  }

  async getById(id: number): Promise<T | undefined> {
    const r = await this.db.get(`SELECT * FROM ${this.table} WHERE id = ?`, [id]);
    return r && this.toAccount(r);
  }

  async delete(id: number): Promise<void> {
    await this.db.run(`DELETE FROM ${this.table} WHERE id = ?`, [id]);
  }
}

/** Logins on our servers (partners use them to log in to us). */
export class LocalAccountStore extends AccountTable<LocalAccount> {
  constructor(db: SqlDatabase) {
    super(db, 'local_accounts', 'local_agent_id', toLocal);
  }

  async create(a: Omit<LocalAccount, 'id'>): Promise<LocalAccount> {
    const res = await this.db.run(
      'INSERT INTO local_accounts (local_agent_id, login, password_hash, ip_addresses) VALUES (?, ?, ?, ?)',
      [a.serverId, a.login, a.passwordHash, JSON.stringify(a.ipAddresses)],
    );
    return { ...a, id: res.lastInsertId };
  }

  async update(id: number, a: Omit<LocalAccount, 'id' | 'serverId'>): Promise<void> {
    await this.db.run(
      'UPDATE local_accounts SET login = ?, password_hash = ?, ip_addresses = ? WHERE id = ?',
      [a.login, a.passwordHash, JSON.stringify(a.ipAddresses), id],
    );
  }

  /** Replaces the password hash while it is still `expected` (a rehash); true if changed. */
  async replacePasswordHash(id: number, expected: string, hash: string): Promise<boolean> {
    const res = await this.db.run(
      'UPDATE local_accounts SET password_hash = ? WHERE id = ? AND password_hash = ?',
      [hash, id, expected],
    );
    return res.changes === 1;
  }
}

/** Logins we use on partners. Their secrets are credentials. */
export class RemoteAccountStore extends AccountTable<RemoteAccount> {
  constructor(db: SqlDatabase) {
    super(db, 'remote_accounts', 'remote_agent_id', toRemote);
  }

  async create(a: Omit<RemoteAccount, 'id'>): Promise<RemoteAccount> {
    const res = await this.db.run('INSERT INTO remote_accounts (remote_agent_id, login) VALUES (?, ?)', [
      a.partnerId,
      a.login,
    ]);
    return { ...a, id: res.lastInsertId };
  }

  async update(id: number, login: string): Promise<void> {
    await this.db.run('UPDATE remote_accounts SET login = ? WHERE id = ?', [login, id]);
  }
}
