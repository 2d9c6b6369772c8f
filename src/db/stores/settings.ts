import type { SqlDatabase } from '../sql.js';
import { UniqueViolationError } from '../sql.js';

/** Gateway-wide values created once and shared by every node (e.g. the generated host key). */
export class SettingStore {
  constructor(
    private readonly db: SqlDatabase,
    private readonly owner: string,
  ) {}

  async get(name: string): Promise<string | undefined> {
    const r = await this.db.get<{ value: string }>(
      'SELECT value FROM settings WHERE owner = ? AND name = ?',
      [this.owner, name],
    );
    return r?.value;
  }

  /** The values of this gateway's settings that start with `prefix` (sealed secrets). */
  async valuesLike(prefix: string): Promise<string[]> {
    const rows = await this.db.all<{ value: string }>(
      'SELECT value FROM settings WHERE owner = ? AND value LIKE ?',
      [this.owner, `${prefix}%`],
    );
    return rows.map((r) => r.value);
  }

  /**
   * Stores `value` unless the setting exists, and returns the stored one: when several
   * nodes race, all of them end up with the first writer's value.
   */
  async getOrCreate(name: string, make: () => string | Promise<string>): Promise<string> {
    const existing = await this.get(name);
    if (existing !== undefined) return existing;
    const value = await make();
    try {
      await this.db.run('INSERT INTO settings (owner, name, value) VALUES (?, ?, ?)', [
        this.owner,
        name,
        value,
      ]);
      return value;
    } catch (err) {
      if (!(err instanceof UniqueViolationError)) throw err;
      return (await this.get(name)) ?? value;
    }
  }

  /**
   * Replaces `expected` by `value` unless another node replaced it first; returns the stored
   * value either way, so racing nodes agree.
   */
  async replace(name: string, expected: string, value: string): Promise<string> {
    await this.db.run('UPDATE settings SET value = ? WHERE owner = ? AND name = ? AND value = ?', [
      value,
      this.owner,
      name,
      expected,
    ]);
    return (await this.get(name)) ?? value;
  }
}
