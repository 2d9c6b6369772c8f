import type { AccessTarget, Credential, CredentialOwner, CredentialType } from '../../model/entities.js';
import type { Row, SqlDatabase } from '../sql.js';
import { num, str } from './common.js';

/** The column that holds the id of each kind of owner (shared with rule_access). */
export const targetColumn: Record<AccessTarget['kind'], string> = {
  server: 'local_agent_id',
  partner: 'remote_agent_id',
  localAccount: 'local_account_id',
  remoteAccount: 'remote_account_id',
};

export function targetOf(r: Row): AccessTarget {
  for (const [kind, column] of Object.entries(targetColumn) as [AccessTarget['kind'], string][]) {
    if (r[column] !== null && r[column] !== undefined) return { kind, id: num(r[column]) };
  }
  throw new Error('row names no target');
}

function ownerKey(o: CredentialOwner): string {
  return `${o.kind}:${o.id}`;
}

function toCredential(r: Row): Credential {
  return {
    id: num(r.id),
    owner: targetOf(r),
    name: str(r.name),
    type: str(r.type) as CredentialType,
    value: str(r.value),
    value2: str(r.value2),
  };
}

/** Credentials of servers, partners and accounts, in their stored (hashed/encrypted) form. */
export class CredentialStore {
  constructor(private readonly db: SqlDatabase) {}

  async list(owner: CredentialOwner, type?: CredentialType): Promise<Credential[]> {
    const byType = type === undefined ? '' : ' AND type = ?';
    const rows = await this.db.all(
      'SELECT * FROM credentials WHERE owner_key = ?' + byType + ' ORDER BY name',
      type === undefined ? [ownerKey(owner)] : [ownerKey(owner), type],
    );
    return rows.map(toCredential);
  }

  async get(owner: CredentialOwner, name: string): Promise<Credential | undefined> {
    const r = await this.db.get('SELECT * FROM credentials WHERE owner_key = ? AND name = ?', [
      ownerKey(owner),
      name,
    ]);
    return r && toCredential(r);
  }

  async create(c: Omit<Credential, 'id'>): Promise<Credential> {
    const res = await this.db.run(
      `INSERT INTO credentials (owner_key, name, type, value, value2, ${targetColumn[c.owner.kind]})
        VALUES (?, ?, ?, ?, ?, ?)`,
      [ownerKey(c.owner), c.name, c.type, c.value, c.value2, c.owner.id],
    );
    return { ...c, id: res.lastInsertId };
  }

  /** Creates or replaces the credential of that name (used for an account's password). */
  async put(c: Omit<Credential, 'id'>): Promise<void> {
    await this.db.transaction(async (tx) => {
      await tx.run('DELETE FROM credentials WHERE owner_key = ? AND name = ?', [ownerKey(c.owner), c.name]);
      await tx.run(
        `INSERT INTO credentials (owner_key, name, type, value, value2, ${targetColumn[c.owner.kind]})
          VALUES (?, ?, ?, ?, ?, ?)`,
        [ownerKey(c.owner), c.name, c.type, c.value, c.value2, c.owner.id],
      );
    });
  }

  async delete(id: number): Promise<void> {
    await this.db.run('DELETE FROM credentials WHERE id = ?', [id]);
  }

  /** Replaces a credential's value while it is still `expected` (a rehash); true if changed. */
  async replaceValue(id: number, expected: string, value: string): Promise<boolean> {
    const res = await this.db.run('UPDATE credentials SET value = ? WHERE id = ? AND value = ?', [
      value,
      id,
      expected,
    ]);
    return res.changes === 1;
  }

  /**
   * Up to `limit` values starting with `prefix` (sealed secrets) among the credentials of the
   * servers, partners and accounts of gateway `owner`.
   */
  async valuesLike(owner: string, prefix: string, limit: number): Promise<string[]> {
    const rows = await this.db.all<{ value: string }>(
      `SELECT c.value AS value FROM credentials c
        LEFT JOIN local_agents s ON s.id = c.local_agent_id
        LEFT JOIN local_accounts la ON la.id = c.local_account_id
        LEFT JOIN local_agents las ON las.id = la.local_agent_id
        LEFT JOIN remote_agents p ON p.id = c.remote_agent_id
        LEFT JOIN remote_accounts ra ON ra.id = c.remote_account_id
        LEFT JOIN remote_agents rap ON rap.id = ra.remote_agent_id
        WHERE c.value LIKE ? AND COALESCE(s.owner, las.owner, p.owner, rap.owner) = ?
        ORDER BY c.id LIMIT ${Math.max(1, Math.floor(limit))}`,
      [`${prefix}%`, owner],
    );
    return rows.map((r) => str(r.value));
  }
}
