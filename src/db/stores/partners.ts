import type { Partner } from '../../model/entities.js';
import type { Row, SqlDatabase, SqlValue } from '../sql.js';
import { str } from './common.js';
import { AgentTable, agentColumns, agentSortKeys, agentValues } from './agent-table.js';

export const partnerSortKeys = agentSortKeys;
export type PartnerInput = Omit<Partner, 'id' | 'owner'>;

function toPartner(r: Row): Partner {
  return { ...agentColumns(r), address: str(r.address) };
}

function toRow(p: PartnerInput): Record<string, SqlValue> {
  return { ...agentValues(p), address: p.address };
}

/** Remote agents: the peers we connect to. */
export class PartnerStore extends AgentTable<Partner, PartnerInput> {
  constructor(db: SqlDatabase, owner: string) {
    super(db, owner, 'remote_agents', toPartner, toRow);
  }
}
