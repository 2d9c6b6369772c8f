import type { Row, SqlDatabase, SqlValue } from '../sql.js';
import { placeholders } from '../sql.js';
import type { ListOptions } from './common.js';
import { pageClause } from './common.js';

/**
 * Where a table's rows are and how they map: the table, its unique name column, its sort keys,
 * a row as an object and an input object (all but id and owner) as columns.
 */
export interface OwnedTableSpec<T, I> {
  table: string;
  nameColumn: string;
  sortKeys: Record<string, string>;
  defaultSort: string;
  toObject: (r: Row) => T;
  toRow: (input: I) => Record<string, SqlValue>;
}

/**
 * A table of named rows that belong to one gateway (servers, clients, partners, users): the
 * reads and writes they all have, every statement limited to `owner`. Each store gives its row
 * mapping in its spec and adds the statements only it has.
 */
export abstract class OwnedTable<T, I> {
  protected constructor(
    protected readonly db: SqlDatabase,
    protected readonly owner: string,
    private readonly spec: OwnedTableSpec<T, I>,
  ) {}

  /** One page of rows; `protocol`, when given and not empty, keeps those protocols only. */
  async list(options: ListOptions & { protocol?: string[] } = {}): Promise<T[]> {
    const { table, sortKeys, defaultSort, toObject } = this.spec;
    const page = pageClause(options, sortKeys, defaultSort);
    const protocols = options.protocol ?? [];
    const filter = protocols.length > 0 ? ` AND protocol IN ${placeholders(protocols.length)}` : '';
    const rows = await this.db.all(`SELECT * FROM ${table} WHERE owner = ?${filter}${page.sql}`, [
      this.owner,
      ...protocols,
      ...page.params,
    ]);
    return rows.map(toObject);
  }

  async get(name: string): Promise<T | undefined> {
    return this.#one(this.spec.nameColumn, name);
  }

  async getById(id: number): Promise<T | undefined> {
    return this.#one('id', id);
  }

  /** Inserts `input` for this gateway; returns it with its new id. */
  async create(input: I): Promise<I & { id: number; owner: string }> {
    return { ...input, id: await this.insertRow(this.spec.toRow(input)), owner: this.owner };
  }

  async update(id: number, input: I): Promise<void> {
    await this.updateRow(id, this.spec.toRow(input));
  }

  /** Every row of this gateway, and what hangs on them (import --reset-before-import). */
  async deleteAll(): Promise<number> {
    return (await this.db.run(`DELETE FROM ${this.spec.table} WHERE owner = ?`, [this.owner])).changes;
  }

  /** Inserts `row` (column → value) for this gateway; returns the new id. */
  protected async insertRow(row: Record<string, SqlValue>): Promise<number> {
    const columns = Object.keys(row);
    const res = await this.db.run(
      `INSERT INTO ${this.spec.table} (owner, ${columns.join(', ')}) VALUES ${placeholders(columns.length + 1)}`,
      [this.owner, ...Object.values(row)],
    );
    return res.lastInsertId;
  }

  /** Sets the columns of `row` on row `id`, and the SQL assignments of `also` (e.g. a counter). */
  protected async updateRow(id: number, row: Record<string, SqlValue>, also: string[] = []): Promise<void> {
    const assignments = [...Object.keys(row).map((c) => `${c} = ?`), ...also];
    await this.db.run(`UPDATE ${this.spec.table} SET ${assignments.join(', ')} WHERE id = ? AND owner = ?`, [
      ...Object.values(row),
      id,
      this.owner,
    ]);
  }

  protected async deleteRow(id: number): Promise<void> {
    await this.db.run(`DELETE FROM ${this.spec.table} WHERE id = ? AND owner = ?`, [id, this.owner]);
  }

  async #one(column: string, value: SqlValue): Promise<T | undefined> {
    const r = await this.db.get(`SELECT * FROM ${this.spec.table} WHERE owner = ? AND ${column} = ?`, [
      this.owner,
      value,
    ]);
    return r && this.spec.toObject(r);
  }
}
