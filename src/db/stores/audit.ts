/**
 * The audit trail of what partners change in the folders they see besides transferring files
 * (remove, rename, mkdir, rmdir, setstat): who, from where, through which node and rule, on
 * which paths, when, and whether it was done or refused. Kept for `[audit] Retention`.
 */
import type { Row, SqlDatabase } from '../sql.js';
import type { ListOptions } from './common.js';
import { Conditions, bool, json, num, pageClause, str } from './common.js';

export type AuditResult = 'done' | 'refused' | 'failed';
export const auditResults: readonly AuditResult[] = ['done', 'refused', 'failed'];

export interface AuditEntry {
  id: number;
  /** Epoch ms. */
  at: number;
  node: string;
  protocol: string;
  /** Server name. */
  server: string;
  /** Account login. */
  account: string;
  remoteAddress: string;
  /** Rule name and direction. */
  rule: string;
  isSend: boolean;
  operation: string;
  /** The path as the partner named it (its virtual tree). */
  path: string;
  /** Rename target, '' for other operations. */
  target: string;
  /** The real path it designated, '' when it resolved to none. */
  localPath: string;
  result: AuditResult;
  /** Why it was refused or failed; '' when done. */
  reason: string;
  /** What else the operation carried (setstat: the attributes asked). */
  details: Record<string, unknown>;
}

export type NewAuditEntry = Omit<AuditEntry, 'id'>;

export interface AuditFilter {
  account?: string[];
  server?: string[];
  rule?: string[];
  operation?: string[];
  result?: string[];
  node?: string[];
  /** at >= */
  from?: number;
  /** at <= */
  to?: number;
}

export const auditSortKeys = { time: 'at', id: 'id' };

function toEntry(r: Row): AuditEntry {
  return {
    id: num(r.id),
    at: num(r.at),
    node: str(r.node),
    protocol: str(r.protocol),
    server: str(r.server),
    account: str(r.account),
    remoteAddress: str(r.remote_address),
    rule: str(r.rule),
    isSend: bool(r.is_send),
    operation: str(r.operation),
    path: str(r.path),
    target: str(r.target),
    localPath: str(r.local_path),
    result: str(r.result) as AuditResult,
    reason: str(r.reason),
    details: json<Record<string, unknown>>(r.details, {}),
  };
}

export class AuditStore {
  constructor(
    private readonly db: SqlDatabase,
    private readonly owner: string,
  ) {}

  async record(e: NewAuditEntry): Promise<void> {
    await this.db.run(
      `INSERT INTO audit_log (owner, at, node, protocol, server, account, remote_address, rule, is_send,
        operation, path, target, local_path, result, reason, details)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      [
        this.owner,
        e.at,
        e.node,
        e.protocol,
        e.server,
        e.account,
        e.remoteAddress,
        e.rule,
        e.isSend,
        e.operation,
        e.path,
        e.target,
        e.localPath,
        e.result,
        e.reason.slice(0, 4000),
        JSON.stringify(e.details),
      ],
    );
  }

  async list(filter: AuditFilter, options: ListOptions = {}): Promise<AuditEntry[]> {
    const where = new Conditions('owner = ?', this.owner);
    where.in(filter, ['account', 'server', 'rule', 'operation', 'result', 'node']);
    where.when('at >= ?', filter.from);
    where.when('at <= ?', filter.to);
    const page = pageClause(options, auditSortKeys, 'time');
    const rows = await this.db.all(`SELECT * FROM audit_log WHERE ${where.sql}${page.sql}`, [
      ...where.params,
      ...page.params,
    ]);
    return rows.map(toEntry);
  }

  /** Deletes the entries older than `before` (the retention); returns how many. */
  async purge(before: number): Promise<number> {
    const res = await this.db.run('DELETE FROM audit_log WHERE owner = ? AND at < ?', [this.owner, before]);
    return res.changes;
  }
}
