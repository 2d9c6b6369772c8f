import type { Partner } from '../../model/entities.js';
import type { Row, SqlDatabase, SqlValue } from '../sql.js';
import { json, num, str } from './common.js';
import { OwnedTable } from './owned-table.js';

export const partnerSortKeys = { name: 'name', proto: 'protocol' };
export type PartnerInput = Omit<Partner, 'id' | 'owner'>;

function toPartner(r: Row): Partner {
  return {
    id: num(r.id),
    owner: str(r.owner),
    name: str(r.name),
    protocol: str(r.protocol),
    address: str(r.address),
    protoConfig: json(r.proto_config, {}),
  };
}

function toRow(p: PartnerInput): Record<string, SqlValue> {
  return {
    name: p.name,
    protocol: p.protocol,
    address: p.address,
    proto_config: JSON.stringify(p.protoConfig),
  };
}

/** Remote agents: the peers we connect to. */
export class PartnerStore extends OwnedTable<Partner> {
  constructor(db: SqlDatabase, owner: string) {
    super(db, owner, {
      table: 'remote_agents',
      nameColumn: 'name',
      sortKeys: partnerSortKeys,
      defaultSort: 'name',
      toObject: toPartner,
    });
  }

  async create(p: PartnerInput): Promise<Partner> {
    return { ...p, id: await this.insertRow(toRow(p)), owner: this.owner };
  }

  async update(id: number, p: PartnerInput): Promise<void> {
    await this.updateRow(id, toRow(p));
  }

  async delete(id: number): Promise<void> {
    await this.deleteRow(id);
  }
}
