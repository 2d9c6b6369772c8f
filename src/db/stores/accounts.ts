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

/** Logins on our servers (partners use them to log in to us). */
export class LocalAccountStore {
  constructor(private readonly db: SqlDatabase) {}

  async list(serverId: number, options: ListOptions = {}): Promise<LocalAccount[]> {
    const page = pageClause(options, accountSortKeys, 'login');
    const rows = await this.db.all('SELECT * FROM local_accounts WHERE local_agent_id = ?' + page.sql, [
      serverId,
      ...page.params,
    ]);
    return rows.map(toLocal);
  }

  async get(serverId: number, login: string): Promise<LocalAccount | undefined> {
    const r = await this.db.get('SELECT * FROM local_accounts WHERE local_agent_id = ? AND login = ?', [
      serverId,
      login,
    ]);
    return r && toLocal(r);
  }

  async getById(id: number): Promise<LocalAccount | undefined> {
    const r = await this.db.get('SELECT * FROM local_accounts WHERE id = ?', [id]);
    return r && toLocal(r);
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

  async delete(id: number): Promise<void> {
    await this.db.run('DELETE FROM local_accounts WHERE id = ?', [id]);
  }
}

/** Logins we use on partners. Their secrets are credentials. */
export class RemoteAccountStore {
  constructor(private readonly db: SqlDatabase) {}

  async list(partnerId: number, options: ListOptions = {}): Promise<RemoteAccount[]> {
    const page = pageClause(options, accountSortKeys, 'login');
    const rows = await this.db.all('SELECT * FROM remote_accounts WHERE remote_agent_id = ?' + page.sql, [
      partnerId,
      ...page.params,
    ]);
    return rows.map(toRemote);
  }

  async get(partnerId: number, login: string): Promise<RemoteAccount | undefined> {
    const r = await this.db.get('SELECT * FROM remote_accounts WHERE remote_agent_id = ? AND login = ?', [
      partnerId,
      login,
    ]);
    return r && toRemote(r);
  }

  async getById(id: number): Promise<RemoteAccount | undefined> {
    const r = await this.db.get('SELECT * FROM remote_accounts WHERE id = ?', [id]);
    return r && toRemote(r);
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

  async delete(id: number): Promise<void> {
    await this.db.run('DELETE FROM remote_accounts WHERE id = ?', [id]);
  }
}
