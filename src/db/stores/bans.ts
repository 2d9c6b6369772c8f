/**
 * Failed logins per source address and protocol, shared by every node through the database, so
 * that an address banned after failures on node1 is refused by node2 as well. SFTP and REST
 * count apart: a partner guessing SFTP passwords does not lock its address out of the admin API.
 */
import type { Row, SqlDatabase } from '../sql.js';
import { num, numOrNull, str } from './common.js';

export const loginProtocols = ['sftp', 'rest'] as const;
export type LoginProtocol = (typeof loginProtocols)[number];

export interface BanPolicy {
  /** Failures within `windowMs` that ban the address; 0 disables the defence. */
  maxFailures: number;
  windowMs: number;
  banMs: number;
}

export interface LoginFailureRecord {
  source: string;
  protocol: LoginProtocol;
  failures: number;
  windowStart: number;
  bannedUntil: number | null;
}

/** What is recorded against an address on one protocol right now. */
export interface LoginStanding {
  /** Failures counted and not yet forgotten (a success forgets them). */
  failures: number;
  /** Set while a ban is in force. */
  bannedUntil: number | undefined;
}

const table = 'login_failures_by_protocol';

function toRecord(r: Row): LoginFailureRecord {
  return {
    source: str(r.source),
    protocol: str(r.protocol) as LoginProtocol,
    failures: num(r.failures),
    windowStart: num(r.window_start),
    bannedUntil: numOrNull(r.banned_until),
  };
}

export class BanStore {
  constructor(
    private readonly db: SqlDatabase,
    private readonly owner: string,
  ) {}

  /** The failures and ban of `source` on `protocol` (one primary-key read). */
  async standing(source: string, protocol: LoginProtocol, now: number): Promise<LoginStanding> {
    const r = await this.db.get<{ failures: number; banned_until: number | null }>(
      `SELECT failures, banned_until FROM ${table} WHERE owner = ? AND source = ? AND protocol = ?`,
      [this.owner, source, protocol],
    );
    const until = r?.banned_until == null ? 0 : Number(r.banned_until);
    return {
      failures: r === undefined ? 0 : Number(r.failures),
      bannedUntil: until > now ? until : undefined,
    };
  }

  /**
   * Counts one failure; returns the ban end when this failure (or an earlier one) banned the
   * address. Counting and banning happen in one transaction, so concurrent failures on several
   * nodes add up exactly.
   */
  async recordFailure(
    source: string,
    protocol: LoginProtocol,
    now: number,
    policy: BanPolicy,
  ): Promise<number | undefined> {
    if (policy.maxFailures <= 0) return undefined;
    return this.db.transaction(async (tx) => {
      const lock = tx.dialect === 'mysql' ? ' FOR UPDATE' : '';
      const r = await tx.get(
        `SELECT * FROM ${table} WHERE owner = ? AND source = ? AND protocol = ?${lock}`,
        [this.owner, source, protocol],
      );
      const current = r && toRecord(r);
      const fresh = current === undefined || now - current.windowStart > policy.windowMs;
      const failures = fresh ? 1 : current.failures + 1;
      const windowStart = fresh ? now : current.windowStart;
      const stillBanned =
        current?.bannedUntil != null && current.bannedUntil > now ? current.bannedUntil : null;
      const bannedUntil = stillBanned ?? (failures >= policy.maxFailures ? now + policy.banMs : null);
      if (current === undefined) {
        await tx.run(
          `INSERT INTO ${table} (owner, source, protocol, failures, window_start, banned_until)
            VALUES (?, ?, ?, ?, ?, ?)`,
          [this.owner, source, protocol, failures, windowStart, bannedUntil],
        );
      } else {
        await tx.run(
          `UPDATE ${table} SET failures = ?, window_start = ?, banned_until = ?
            WHERE owner = ? AND source = ? AND protocol = ?`,
          [failures, windowStart, bannedUntil, this.owner, source, protocol],
        );
      }
      return bannedUntil ?? undefined;
    });
  }

  /** A successful login forgets the failures of a source that is not banned (or whose ban ended). */
  async recordSuccess(source: string, protocol: LoginProtocol, now: number): Promise<void> {
    await this.db.run(
      `DELETE FROM ${table} WHERE owner = ? AND source = ? AND protocol = ?
        AND (banned_until IS NULL OR banned_until <= ?)`,
      [this.owner, source, protocol, now],
    );
  }

  /** Bans in force, the longest first. */
  async listBans(now: number): Promise<LoginFailureRecord[]> {
    const rows = await this.db.all(
      `SELECT * FROM ${table} WHERE owner = ? AND banned_until > ? ORDER BY banned_until DESC, source, protocol`,
      [this.owner, now],
    );
    return rows.map(toRecord);
  }

  /** Lifts the bans of `source` (one protocol or all) and forgets its failures; how many were there. */
  async removeBan(source: string, protocol?: LoginProtocol): Promise<number> {
    const res =
      protocol === undefined
        ? await this.db.run(`DELETE FROM ${table} WHERE owner = ? AND source = ?`, [this.owner, source])
        : await this.db.run(`DELETE FROM ${table} WHERE owner = ? AND source = ? AND protocol = ?`, [
            this.owner,
            source,
            protocol,
          ]);
    return res.changes;
  }
}
