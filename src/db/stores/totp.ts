/**
 * The TOTP secret of each user who enrolled one (web console second factor). The secret is
 * stored encrypted by the caller (SecretBox); `last_step` refuses a code used twice.
 */
import type { SqlDatabase } from '../sql.js';
import { bool, num, str } from './common.js';

export interface TotpRecord {
  userId: number;
  /** Encrypted (`aesgcm:…`). */
  secret: string;
  /** False while enrolment waits for a first good code. */
  enabled: boolean;
  /** The last time step accepted (RFC 6238 T); a code of this step or older is refused. */
  lastStep: number;
  createdAt: number;
}

export class TotpStore {
  constructor(private readonly db: SqlDatabase) {}

  async get(userId: number): Promise<TotpRecord | undefined> {
    const r = await this.db.get('SELECT * FROM webui_totp WHERE user_id = ?', [userId]);
    if (r === undefined) return undefined;
    return {
      userId: num(r.user_id),
      secret: str(r.secret),
      enabled: bool(r.enabled),
      lastStep: num(r.last_step),
      createdAt: num(r.created_at),
    };
  }

  /** Starts (or restarts) an enrolment: a new secret, not enabled yet. */
  async begin(userId: number, secret: string, now: number): Promise<void> {
    await this.db.transaction(async (tx) => {
      await tx.run('DELETE FROM webui_totp WHERE user_id = ?', [userId]);
      await tx.run(
        'INSERT INTO webui_totp (user_id, secret, enabled, last_step, created_at) VALUES (?, ?, 0, 0, ?)',
        [userId, secret, now],
      );
    });
  }

  async enable(userId: number): Promise<void> {
    await this.db.run('UPDATE webui_totp SET enabled = 1 WHERE user_id = ?', [userId]);
  }

  /**
   * Records `step` as used, only if it is newer than the last one: false means the code was
   * already used (here or through another node at the same moment).
   */
  async useStep(userId: number, step: number): Promise<boolean> {
    const res = await this.db.run('UPDATE webui_totp SET last_step = ? WHERE user_id = ? AND last_step < ?', [
      step,
      userId,
      step,
    ]);
    return res.changes === 1;
  }

  async remove(userId: number): Promise<boolean> {
    const res = await this.db.run('DELETE FROM webui_totp WHERE user_id = ?', [userId]);
    return res.changes > 0;
  }
}
