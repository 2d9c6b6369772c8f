/** Partners (remote agents): JSON ↔ entity. */
import type { GatewayContext } from '../../gateway/context.js';
import type { Partner } from '../../model/entities.js';
import type { PartnerInput } from '../../db/stores/partners.js';
import type { PartnerFields, PartnerOut } from '../../schema/agents.js';
import { accessOut } from './common.js';

export function blankPartner(): PartnerInput {
  return { name: '', protocol: 'sftp', address: '', protoConfig: {} };
}

export function mergePartner(base: PartnerInput, f: PartnerFields): PartnerInput {
  return {
    name: f.name ?? base.name,
    protocol: f.protocol ?? base.protocol,
    address: f.address ?? base.address,
    protoConfig: f.protoConfig ?? base.protoConfig,
  };
}

export async function partnerOut(ctx: GatewayContext, p: Partner): Promise<PartnerOut> {
  const { name, protocol, address, protoConfig } = p;
  return { name, protocol, address, protoConfig, ...(await accessOut(ctx, { kind: 'partner', id: p.id })) };
}
