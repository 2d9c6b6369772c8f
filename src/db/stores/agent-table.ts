import type { Row, SqlDatabase, SqlValue } from '../sql.js';
import { json, num, str } from './common.js';
import { OwnedTable } from './owned-table.js';

/** Sort keys of the agent tables (servers, clients, partners). */
export const agentSortKeys = { name: 'name', proto: 'protocol' };

/** What every agent row has besides its own columns. */
interface AgentBase {
  id: number;
  owner: string;
  name: string;
  protocol: string;
  protoConfig: Record<string, unknown>;
}

/** The columns every agent row has, read. */
export function agentColumns(r: Row): AgentBase {
  return {
    id: num(r.id),
    owner: str(r.owner),
    name: str(r.name),
    protocol: str(r.protocol),
    protoConfig: json(r.proto_config, {}),
  };
}

/** The columns every agent row has, to write (id and owner are the table's). */
export function agentValues(input: Omit<AgentBase, 'id' | 'owner'>): Record<string, SqlValue> {
  return { name: input.name, protocol: input.protocol, proto_config: JSON.stringify(input.protoConfig) };
}

/**
 * A table of agents, the servers, clients and partners of one gateway: rows named `name`,
 * listed by name or protocol, with their protocol's settings in `proto_config`.
 */
export abstract class AgentTable<T, I> extends OwnedTable<T, I> {
  protected constructor(
    db: SqlDatabase,
    owner: string,
    table: string,
    toObject: (r: Row) => T,
    toRow: (input: I) => Record<string, SqlValue>,
  ) {
    super(db, owner, {
      table,
      nameColumn: 'name',
      sortKeys: agentSortKeys,
      defaultSort: 'name',
      toObject,
      toRow,
    });
  }

  async delete(id: number): Promise<void> {
    await this.deleteRow(id);
  }
}
