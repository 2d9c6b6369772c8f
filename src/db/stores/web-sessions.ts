/**
 * Sessions of the web console, shared by every node through the database: a session opened
 * through node1 is served by node2 (no sticky sessions). The row is keyed by the SHA-256 of the
 * cookie's token, never the token itself.
 */
import type { User } from '../../model/entities.js';
import type { Row, SqlDatabase } from '../sql.js';
import { num, str } from './common.js';

/** `totp`: the password was right, the second factor is still owed; `full`: logged in. */
export type SessionStage = 'totp' | 'full';

export interface WebSession {
  /** SHA-256 (hex) of the cookie token. */
  id: string;
  userId: number;
  csrfToken: string;
  stage: SessionStage;
  /** Changes when the user's password hash changes: a new password ends older sessions. */
  passwordStamp: string;
  createdAt: number;
  lastSeenAt: number;
  /** Absolute end (creation + lifetime). */
  expiresAt: number;
  clientAddress: string;
}

function toSession(r: Row): WebSession {
  return {
    id: str(r.id),
    userId: num(r.user_id),
    csrfToken: str(r.csrf_token),
    stage: str(r.stage) as SessionStage,
    passwordStamp: str(r.password_stamp),
    createdAt: num(r.created_at),
    lastSeenAt: num(r.last_seen_at),
    expiresAt: num(r.expires_at),
    clientAddress: str(r.client_address),
  };
}

export class WebSessionStore {
  constructor(
    private readonly db: SqlDatabase,
    private readonly owner: string,
  ) {}

  async create(s: WebSession): Promise<void> {
    await this.db.run(
      `INSERT INTO webui_sessions (id, owner, user_id, csrf_token, stage, password_stamp, created_at,
        last_seen_at, expires_at, client_address) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      [
        s.id,
        this.owner,
        s.userId,
        s.csrfToken,
        s.stage,
        s.passwordStamp,
        s.createdAt,
        s.lastSeenAt,
        s.expiresAt,
        s.clientAddress,
      ],
    );
  }

  async get(id: string): Promise<WebSession | undefined> {
    const r = await this.db.get('SELECT * FROM webui_sessions WHERE id = ? AND owner = ?', [id, this.owner]);
    return r && toSession(r);
  }

  /** The session and its user in one round trip (every console request reads both). */
  async getWithUser(id: string): Promise<{ session: WebSession; user: User } | undefined> {
    const r = await this.db.get(
      `SELECT s.*, u.username AS u_username, u.password_hash AS u_password_hash, u.permissions AS u_permissions
        FROM webui_sessions s JOIN users u ON u.id = s.user_id AND u.owner = s.owner
        WHERE s.id = ? AND s.owner = ?`,
      [id, this.owner],
    );
    if (r === undefined) return undefined;
    const session = toSession(r);
    return {
      session,
      user: {
        id: session.userId,
        owner: this.owner,
        username: str(r.u_username),
        passwordHash: str(r.u_password_hash),
        permissions: num(r.u_permissions),
      },
    };
  }

  /** Those of `ids` that still exist and are neither idle nor past their end (one query). */
  async stillValid(ids: readonly string[], now: number, idleMs: number): Promise<Set<string>> {
    if (ids.length === 0) return new Set();
    const rows = await this.db.all<{ id: string }>(
      `SELECT id FROM webui_sessions WHERE owner = ? AND expires_at > ? AND last_seen_at > ?
        AND id IN (${ids.map(() => '?').join(', ')})`,
      [this.owner, now, now - idleMs, ...ids],
    );
    return new Set(rows.map((r) => str(r.id)));
  }

  /** Records activity (the idle clock restarts). */
  async touch(id: string, now: number): Promise<void> {
    await this.db.run('UPDATE webui_sessions SET last_seen_at = ? WHERE id = ? AND owner = ?', [
      now,
      id,
      this.owner,
    ]);
  }

  async delete(id: string): Promise<boolean> {
    const res = await this.db.run('DELETE FROM webui_sessions WHERE id = ? AND owner = ?', [id, this.owner]);
    return res.changes > 0;
  }

  /** Ends every session of a user (its TOTP was reset, say). */
  async deleteForUser(userId: number): Promise<number> {
    const res = await this.db.run('DELETE FROM webui_sessions WHERE owner = ? AND user_id = ?', [
      this.owner,
      userId,
    ]);
    return res.changes;
  }

  /** Forgets sessions past their end or idle for longer than `idleMs`. */
  async purge(now: number, idleMs: number): Promise<number> {
    const res = await this.db.run(
      'DELETE FROM webui_sessions WHERE owner = ? AND (expires_at <= ? OR last_seen_at <= ?)',
      [this.owner, now, now - idleMs],
    );
    return res.changes;
  }
}
