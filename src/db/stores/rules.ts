import type { AccessTarget, Rule, TaskChain, TaskSpec } from '../../model/entities.js';
import type { TreeChange } from '../../model/tree-changes.js';
import { isTreeChange } from '../../model/tree-changes.js';
import type { Row, SqlDatabase, SqlExecutor, SqlValue } from '../sql.js';
import type { ListOptions } from './common.js';
import { bool, json, num, pageClause, str } from './common.js';
import { targetColumn, targetOf } from './credentials.js';

export const ruleSortKeys = { name: 'name' };
/** A new or changed rule; isolation and the partners' changes default to a new rule's. */
export type RuleInput = Omit<Rule, 'id' | 'sharedFolder' | 'partnerChanges'> &
  Partial<Pick<Rule, 'sharedFolder' | 'partnerChanges'>>;

const changesColumn = (rule: RuleInput): string | null =>
  rule.partnerChanges === undefined || rule.partnerChanges === null
    ? null
    : JSON.stringify(rule.partnerChanges);

/** The columns of `INSERT` and `UPDATE`, in their order. */
function values(rule: RuleInput): SqlValue[] {
  return [
    rule.name,
    rule.isSend,
    rule.comment,
    rule.path,
    rule.localDir,
    rule.remoteDir,
    rule.tmpLocalRcvDir,
    rule.sharedFolder ?? false,
    changesColumn(rule),
  ];
}

const chains: [TaskChain, 'preTasks' | 'postTasks' | 'errorTasks'][] = [
  ['PRE', 'preTasks'],
  ['POST', 'postTasks'],
  ['ERROR', 'errorTasks'],
];

/** Rules with their task chains and access lists. Rules are shared by every gateway on the DB. */
export class RuleStore {
  constructor(private readonly db: SqlDatabase) {}

  async list(options: ListOptions = {}): Promise<Rule[]> {
    const page = pageClause(options, ruleSortKeys, 'name');
    const rows = await this.db.all('SELECT * FROM rules WHERE 1 = 1' + page.sql, page.params);
    return Promise.all(rows.map((r) => this.#withTasks(this.db, r)));
  }

  /** Every rule, for path resolution by the protocol servers. */
  async all(): Promise<Rule[]> {
    const rows = await this.db.all('SELECT * FROM rules ORDER BY id');
    return Promise.all(rows.map((r) => this.#withTasks(this.db, r)));
  }

  async get(name: string, isSend: boolean): Promise<Rule | undefined> {
    const r = await this.db.get('SELECT * FROM rules WHERE name = ? AND is_send = ?', [name, isSend]);
    return r && this.#withTasks(this.db, r);
  }

  async getById(id: number): Promise<Rule | undefined> {
    const r = await this.db.get('SELECT * FROM rules WHERE id = ?', [id]);
    return r && this.#withTasks(this.db, r);
  }

  async create(rule: RuleInput): Promise<Rule> {
    return this.db.transaction(async (tx) => {
      const res = await tx.run(
        `INSERT INTO rules (name, is_send, comment, path, local_dir, remote_dir, tmp_local_rcv_dir,
          shared_folder, partner_changes) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        values(rule),
      );
      await writeTasks(tx, res.lastInsertId, rule);
      return {
        ...rule,
        sharedFolder: rule.sharedFolder ?? false,
        partnerChanges: rule.partnerChanges ?? null,
        id: res.lastInsertId,
      };
    });
  }

  async update(id: number, rule: RuleInput): Promise<void> {
    await this.db.transaction(async (tx) => {
      await tx.run(
        `UPDATE rules SET name = ?, is_send = ?, comment = ?, path = ?, local_dir = ?, remote_dir = ?,
          tmp_local_rcv_dir = ?, shared_folder = ?, partner_changes = ? WHERE id = ?`,
        [...values(rule), id],
      );
      await tx.run('DELETE FROM tasks WHERE rule_id = ?', [id]);
      await writeTasks(tx, id, rule);
    });
  }

  /** Every rule, with its tasks and access list (import --reset-before-import). */
  async deleteAll(): Promise<number> {
    return (await this.db.run('DELETE FROM rules')).changes;
  }

  async delete(id: number): Promise<void> {
    await this.db.run('DELETE FROM rules WHERE id = ?', [id]);
  }

  /** The access list; empty means the rule is open to everyone. */
  async access(ruleId: number): Promise<AccessTarget[]> {
    const rows = await this.db.all('SELECT * FROM rule_access WHERE rule_id = ? ORDER BY id', [ruleId]);
    return rows.map(targetOf);
  }

  async authorize(ruleId: number, target: AccessTarget): Promise<boolean> {
    return this.db.transaction(async (tx) => {
      const column = targetColumn[target.kind];
      const existing = await tx.get(`SELECT id FROM rule_access WHERE rule_id = ? AND ${column} = ?`, [
        ruleId,
        target.id,
      ]);
      if (existing !== undefined) return false;
      await tx.run(`INSERT INTO rule_access (rule_id, ${column}) VALUES (?, ?)`, [ruleId, target.id]);
      return true;
    });
  }

  async revoke(ruleId: number, target: AccessTarget): Promise<boolean> {
    const res = await this.db.run(
      `DELETE FROM rule_access WHERE rule_id = ? AND ${targetColumn[target.kind]} = ?`,
      [ruleId, target.id],
    );
    return res.changes > 0;
  }

  async allowAll(ruleId: number): Promise<void> {
    await this.db.run('DELETE FROM rule_access WHERE rule_id = ?', [ruleId]);
  }

  /** Rule ids a target is explicitly listed on (for `authorizedRules` in API outputs). */
  async rulesAuthorizing(target: AccessTarget): Promise<Rule[]> {
    const rows = await this.db.all(
      `SELECT r.* FROM rules r JOIN rule_access a ON a.rule_id = r.id WHERE a.${targetColumn[target.kind]} = ?
        ORDER BY r.name`,
      [target.id],
    );
    return Promise.all(rows.map((r) => this.#withTasks(this.db, r)));
  }

  /**
   * Whether an account may use a rule: open rules (no access rows) are usable by all;
   * otherwise the account itself or its parent server/partner must be listed.
   */
  async isAuthorized(ruleId: number, account: AccessTarget, parent: AccessTarget): Promise<boolean> {
    const list = await this.access(ruleId);
    if (list.length === 0) return true;
    return list.some(
      (t) =>
        (t.kind === account.kind && t.id === account.id) || (t.kind === parent.kind && t.id === parent.id),
    );
  }

  async #withTasks(db: SqlExecutor, r: Row): Promise<Rule> {
    const tasks = await db.all('SELECT * FROM tasks WHERE rule_id = ? ORDER BY chain, task_rank', [
      r.id as number,
    ]);
    const of = (chain: TaskChain): TaskSpec[] =>
      tasks
        .filter((t) => t.chain === chain)
        .map((t) => ({ type: str(t.type), args: json<Record<string, string>>(t.args, {}) }));
    return {
      id: num(r.id),
      name: str(r.name),
      isSend: bool(r.is_send),
      comment: str(r.comment),
      path: str(r.path),
      localDir: str(r.local_dir),
      remoteDir: str(r.remote_dir),
      tmpLocalRcvDir: str(r.tmp_local_rcv_dir),
      sharedFolder: bool(r.shared_folder),
      partnerChanges: changesOf(r.partner_changes),
      preTasks: of('PRE'),
      postTasks: of('POST'),
      errorTasks: of('ERROR'),
    };
  }
}

/** The stored list, unknown names dropped (a newer node may know more). */
function changesOf(v: unknown): TreeChange[] | null {
  if (v === null || v === undefined || v === '') return null;
  return json<string[]>(v, []).filter(isTreeChange);
}

async function writeTasks(tx: SqlExecutor, ruleId: number, rule: RuleInput): Promise<void> {
  for (const [chain, field] of chains) {
    let rank = 0;
    for (const task of rule[field]) {
      await tx.run('INSERT INTO tasks (rule_id, chain, task_rank, type, args) VALUES (?, ?, ?, ?, ?)', [
        ruleId,
        chain,
        rank++,
        task.type,
        JSON.stringify(task.args),
      ]);
    }
  }
}
