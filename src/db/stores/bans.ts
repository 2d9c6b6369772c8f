/**
 * Failed logins per source address, shared by every node through the database, so that an
 * address banned after failures on node1 is refused by node2 as well.
 */
import type { Row, SqlDatabase } from '../sql.js';
import { num, numOrNull, str } from './common.js';

export interface BanPolicy {
  /** Failures within `windowMs` that ban the address; 0 disables the defence. */
  maxFailures: number;
  windowMs: number;
  banMs: number;
}

export interface LoginFailureRecord {
  source: string;
  failures: number;
  windowStart: number;
  bannedUntil: number | null;
  lastProtocol: string;
}

function toRecord(r: Row): LoginFailureRecord {
  return {
    source: str(r.source),
    failures: num(r.failures),
    windowStart: num(r.window_start),
    bannedUntil: numOrNull(r.banned_until),
    lastProtocol: str(r.last_protocol),
  };
}

export class BanStore {
  constructor(
    private readonly db: SqlDatabase,
    private readonly owner: string,
  ) {}

  /** Until when `source` is banned, or undefined. */
  async bannedUntil(source: string, now: number): Promise<number | undefined> {
    const r = await this.db.get<{ banned_until: number | null }>(
      'SELECT banned_until FROM login_failures WHERE owner = ? AND source = ? AND banned_until > ?',
      [this.owner, source, now],
    );
    return r?.banned_until == null ? undefined : Number(r.banned_until);
  }

  /**
   * Counts one failure; returns the ban end when this failure (or an earlier one) banned the
   * address. Counting and banning happen in one transaction, so concurrent failures on several
   * nodes add up exactly.
   */
  async recordFailure(
    source: string,
    protocol: string,
    now: number,
    policy: BanPolicy,
  ): Promise<number | undefined> {
    if (policy.maxFailures <= 0) return undefined;
    return this.db.transaction(async (tx) => {
      const lock = tx.dialect === 'mysql' ? ' FOR UPDATE' : '';
      const r = await tx.get(`SELECT * FROM login_failures WHERE owner = ? AND source = ?${lock}`, [
        this.owner,
        source,
      ]);
      const current = r && toRecord(r);
      const fresh = current === undefined || now - current.windowStart > policy.windowMs;
      const failures = fresh ? 1 : current.failures + 1;
      const windowStart = fresh ? now : current.windowStart;
      const stillBanned =
        current?.bannedUntil != null && current.bannedUntil > now ? current.bannedUntil : null;
      const bannedUntil = stillBanned ?? (failures >= policy.maxFailures ? now + policy.banMs : null);
      if (current === undefined) {
        await tx.run(
          `INSERT INTO login_failures (owner, source, failures, window_start, banned_until, last_protocol)
            VALUES (?, ?, ?, ?, ?, ?)`,
          [this.owner, source, failures, windowStart, bannedUntil, protocol],
        );
      } else {
        await tx.run(
          `UPDATE login_failures SET failures = ?, window_start = ?, banned_until = ?, last_protocol = ?
            WHERE owner = ? AND source = ?`,
          [failures, windowStart, bannedUntil, protocol, this.owner, source],
        );
      }
      return bannedUntil ?? undefined;
    });
  }

  /** A successful login forgets the failures of a source that is not banned. */
  async recordSuccess(source: string): Promise<void> {
    await this.db.run('DELETE FROM login_failures WHERE owner = ? AND source = ? AND banned_until IS NULL', [
      this.owner,
      source,
    ]);
  }

  async listBans(now: number): Promise<LoginFailureRecord[]> {
    const rows = await this.db.all(
      'SELECT * FROM login_failures WHERE owner = ? AND banned_until > ? ORDER BY banned_until DESC',
      [this.owner, now],
    );
    return rows.map(toRecord);
  }

  /** Lifts a ban (and forgets the failures). */
  async removeBan(source: string): Promise<boolean> {
    const res = await this.db.run('DELETE FROM login_failures WHERE owner = ? AND source = ?', [
      this.owner,
      source,
    ]);
    return res.changes > 0;
  }
}
