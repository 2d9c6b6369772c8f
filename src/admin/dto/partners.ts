/** Partners (remote agents): JSON ↔ entity. */
import type { PartnerOut } from '../api-types.js';
import type { GatewayContext } from '../../gateway/context.js';
import type { Partner } from '../../model/entities.js';
import type { PartnerInput } from '../../db/stores/partners.js';
import { supportedProtocols } from '../protocols.js';
import type { Out } from '../validate.js';
import { is } from '../validate.js';
import { authorizedRules, credentialNames } from './common.js';

export const partnerShape = {
  name: is.name(),
  protocol: is.oneOf(supportedProtocols),
  address: is.address(),
  protoConfig: is.jsonObject(),
};
export const partnerRequired = ['name', 'protocol', 'address'] as const;

export type PartnerFields = Partial<Out<typeof partnerShape>>;

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
  const target = { kind: 'partner', id: p.id } as const;
  return {
    name: p.name,
    protocol: p.protocol,
    address: p.address,
    protoConfig: p.protoConfig,
    credentials: await credentialNames(ctx, target),
    authorizedRules: await authorizedRules(ctx, target),
  };
}
